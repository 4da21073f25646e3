/**
 * Engine throughput alone: source → map → filter → sink with trivial
 * TypeScript operators, at batch sizes 1, 64 and 1024. Each iteration pushes
 * RECORDS records and waits until the sink has every one, so the time covers
 * the whole pipeline (input is built outside the timed part). Records/s = RECORDS / (time per iteration).
 *
 * Run: deno task bench   (or: deno bench --allow-read --allow-env tests/bench/engine_bench.ts)
 */
import { hlc, type Message } from "../../src/base/mod.ts";
import { Dataflow, ManualClock, type Rec } from "../../src/engine/mod.ts";
import type { GraphDefinition } from "../../src/graph/mod.ts";

const RECORDS = 65_536;

const graph: GraphDefinition = {
  source: "bench",
  shape: "1.0.0",
  metadata: null,
  apiVersion: "1.1.0",
  runtimeVersion: "1.1.0",
  features: [],
  moduleConfigurations: [],
  schemas: [],
  operations: [
    { name: "source", operationType: "source", module: null },
    { name: "map", operationType: "map", module: "m:1" },
    { name: "filter", operationType: "filter", module: "f:1" },
    { name: "sink", operationType: "sink", module: null },
  ],
  connections: [
    { from: "source", to: "map", arm: null, schemaName: null },
    { from: "map", to: "filter", arm: null, schemaName: null },
    { from: "filter", to: "sink", arm: null, schemaName: null },
  ],
};

const payload = new TextEncoder().encode('{"temperature":{"value":72,"unit":"F"}}');

// Records share one message: the engine never looks inside data, and sharing
// keeps the input's own garbage out of the measurement.
const data: Message = {
  kind: "message",
  timestamp: { secs: 0, nanos: 0, counter: 0, node: "bench" },
  topic: payload.subarray(0, 0),
  contentType: null,
  payload,
  userProperties: [],
  schema: null,
};

function batches(size: number, start: number): Rec[][] {
  const out: Rec[][] = [];
  for (let i = 0; i < RECORDS; i += size) {
    const b: Rec[] = [];
    for (let j = i; j < i + size && j < RECORDS; j++) {
      b.push({ time: hlc(start + j, 0, "bench"), data });
    }
    out.push(b);
  }
  return out;
}

async function setup(size: number) {
  let received = 0;
  let target = 0;
  let done: () => void = () => {};
  const flow = await Dataflow.start(graph, {
    logic: (op) =>
      op.operationType === "map"
        ? { kind: "map", process: (b) => b.map((r) => r.data) }
        : { kind: "filter", process: (b) => b.map((r) => r.time.counter === 0) },
    sink: () => ({
      write(b) {
        received += b.length;
        if (received >= target) done();
      },
    }),
    clock: new ManualClock(),
    queueCapacity: Math.max(8192, size * 4),
  });
  let t = 0;
  return async (ctx: Deno.BenchContext) => {
    const input = batches(size, t);
    t += RECORDS;
    target += RECORDS;
    const finished = new Promise<void>((r) => (done = r));
    ctx.start(); // building the input is not part of the measurement
    for (const b of input) await flow.push(b);
    await finished;
    ctx.end();
  };
}

for (const size of [1, 64, 1024]) {
  const run = await setup(size);
  Deno.bench({
    name: `engine source→map→filter→sink, batch ${size}, ${RECORDS} records/iter`,
    group: "engine",
    baseline: size === 1024,
    n: size === 1 ? 10 : 40,
    warmup: 5,
    fn: run,
  });
}
