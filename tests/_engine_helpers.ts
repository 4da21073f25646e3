/**
 * Test-only operators written in TypeScript and small builders for graphs and
 * records, so engine tests read like the graphs they exercise.
 *
 * @module
 */
import { type DataModel, type Hlc, hlc, type Message } from "../src/base/mod.ts";
import type { Connection, GraphDefinition, Operation, OperationType } from "../src/graph/mod.ts";
import {
  type AccumulateGroup,
  Dataflow,
  type DataflowOptions,
  Failure,
  type OperatorLogic,
  type Rec,
  type SinkWriter,
} from "../src/engine/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A message whose payload is `value` as JSON, at time `ms`. */
export function rec(ms: number, value: unknown, counter = 0): Rec {
  const time = hlc(ms, counter, "t");
  return { time, data: msg(value, time) };
}

/** The `i`th of a run of messages whose payloads are plain text, all at 1 s. */
export function textRec(i: number, payload: string): Rec {
  const time = hlc(1000, i, "n");
  const data: Message = { ...msg(null, time), payload: enc.encode(payload) };
  return { time, data };
}

/** A message with a JSON payload. */
export function msg(value: unknown, time: Hlc = hlc(0)): Message {
  return {
    kind: "message",
    timestamp: {
      secs: Math.floor(time.ms / 1000),
      nanos: 0,
      counter: time.counter,
      node: time.node,
    },
    topic: enc.encode("t"),
    contentType: null,
    payload: enc.encode(JSON.stringify(value)),
    userProperties: [],
    schema: null,
  };
}

/** The JSON value of a message payload (tests only; the engine never parses). */
export function valueOf(data: DataModel): unknown {
  if (data.kind !== "message") throw new TypeError(`expected a message, got ${data.kind}`);
  return data.payload.length === 0 ? undefined : JSON.parse(dec.decode(data.payload));
}

type Spec = [name: string, kind: OperationType];

/** A graph from operation specs and `from->to` or `from-True->to` edge strings. */
export function graph(ops: Spec[], edges: string[]): GraphDefinition {
  const operations: Operation[] = ops.map(([name, operationType]) => ({
    name,
    operationType,
    module: ["source", "sink", "concatenate"].includes(operationType) ? null : `${name}:1`,
  }));
  const connections: Connection[] = edges.map((e) => {
    const m = /^(.+?)(?:-(True|False))?->(.+)$/.exec(e);
    if (!m) throw new Error(`bad edge ${e}`);
    return {
      from: m[1]!,
      arm: (m[2] as "True" | "False" | undefined) ?? null,
      schemaName: null,
      to: m[3]!,
    };
  });
  return {
    source: "test",
    shape: "1.0.0",
    metadata: null,
    apiVersion: "1.1.0",
    runtimeVersion: "1.1.0",
    features: [],
    moduleConfigurations: [],
    operations,
    connections,
    schemas: [],
  };
}

/** map over JSON values; throwing in `fn` fails that record. */
export function mapJson(fn: (v: unknown) => unknown): OperatorLogic {
  return {
    kind: "map",
    process: (batch) => batch.map((r) => msg(fn(valueOf(r.data)), r.time)),
  };
}

/** filter over JSON values. */
export function filterJson(fn: (v: unknown) => boolean): OperatorLogic {
  return { kind: "filter", process: (batch) => batch.map((r) => fn(valueOf(r.data))) };
}

/** branch over JSON values. */
export function branchJson(fn: (v: unknown) => boolean): OperatorLogic {
  return { kind: "branch", process: (batch) => batch.map((r) => fn(valueOf(r.data))) };
}

/** delay by a function of time. */
export function delayBy(fn: (t: Hlc) => Hlc | Failure): OperatorLogic {
  return { kind: "delay", process: (batch) => batch.map((r) => fn(r.time)) };
}

/** Rounds a time up to the next multiple of `ms`, counter 0 (the sample window). */
export function windowUp(ms: number): OperatorLogic {
  return delayBy((t) => hlc(Math.ceil(t.ms / ms) * ms, 0, t.node));
}

/** accumulate that collects every JSON value into an array; records each call. */
export function collect(calls: AccumulateGroup[] = []): OperatorLogic {
  return {
    kind: "accumulate",
    process: (groups) =>
      groups.map((g) => {
        calls.push(g);
        const prior = (valueOf(g.staged) as unknown[] | undefined) ?? [];
        return msg([...prior, ...g.inputs.map(valueOf)], g.time);
      }),
  };
}

/** accumulate that sums numbers (associative, for batch-split tests). */
export function sum(): OperatorLogic {
  return {
    kind: "accumulate",
    process: (groups) =>
      groups.map((g) =>
        msg(
          ((valueOf(g.staged) as number | undefined) ?? 0) +
            g.inputs.reduce<number>((a, d) => a + (valueOf(d) as number), 0),
          g.time,
        )
      ),
  };
}

/** A sink that keeps what it gets. */
export function memorySink(): SinkWriter & { records: Rec[]; values(): unknown[] } {
  const records: Rec[] = [];
  return {
    records,
    write: (batch) => {
      records.push(...batch);
    },
    values: () => records.map((r) => valueOf(r.data)),
  };
}

/** Starts a graph whose operators come from a name → logic table. */
export function startWith(
  g: GraphDefinition,
  table: Record<string, OperatorLogic>,
  sink: SinkWriter,
  extra: Partial<DataflowOptions> = {},
): Promise<Dataflow> {
  return Dataflow.start(g, {
    logic: (op) => {
      const l = table[op.name];
      if (!l) throw new Error(`no logic for ${op.name}`);
      return l;
    },
    sink: () => sink,
    ...extra,
  });
}

/** Lets pending microtasks and the loops they start run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}

export { Failure, hlc };
