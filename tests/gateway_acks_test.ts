/**
 * Every acknowledgement is released, whatever becomes of the message:
 * forwarded, filtered out, dead-lettered, too large for the queue, caught in
 * a failed graph, or in a handler that threw. Driven through
 * `DataflowHost` with a fake source whose acknowledgements are spies.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DataflowHost, type DataflowHostOptions, QueueRoom } from "../src/gateway/mod.ts";
import { OutboundQueue } from "../src/store/mod.ts";
import { Metrics, silentLogger } from "../src/telemetry/mod.ts";
import { type AckSpy, fakeConnector, fakeDataflow, textRecord } from "./_fake_connector.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";
import { until } from "./_stream.ts";

const reading = (value: number) => JSON.stringify({ temperature: { value, unit: "F" } });

async function withDataflow(
  graph: string | undefined,
  fn: (ctx: {
    push: (payloads: string[]) => AckSpy[];
    queue: OutboundQueue;
    sent: () => string[];
  }) => Promise<void>,
  extra: Partial<DataflowHostOptions> & { maxBytes?: number } = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "weir-acks-" });
  const fake = fakeConnector();
  const queue = OutboundQueue.open(join(dir, "q.db"), {
    maxBytes: extra.maxBytes ?? 1 << 24,
    maxAgeSeconds: 3600,
  });
  const config = fakeDataflow(graph);
  const flow = await DataflowHost.start({
    name: "flow",
    config: { ...config, configuration: { temperature_lower_bound: "50" } },
    endpoints: { in: fake.endpoint, out: fake.endpoint },
    registry: fake.registry,
    context: fake.context,
    queue,
    room: new QueueRoom(),
    modulesDir: join(ROOT, "modules/dist"),
    cacheDir: join(dir, "cache"),
    statePath: join(dir, "state.db"),
    log: silentLogger,
    metrics: new Metrics(),
    ...(graph === undefined ? {} : {
      initial: {
        id: 1,
        origin: "config",
        digest: "sha256:test",
        graphFile: graph,
        moduleFiles: {},
        pulledFrom: {},
        configuration: { temperature_lower_bound: "50" },
      },
    }),
    ...extra,
  });
  let t = Date.now();
  try {
    await fn({
      push: (payloads) => fake.source().push(payloads.map((p) => textRecord(p, t++))),
      queue,
      sent: () => fake.sink().sent.map((m) => new TextDecoder().decode(m.payload)),
    });
  } finally {
    await flow.stop();
    queue.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const released = (spies: AckSpy[]) => spies.filter((s) => s.released).length;

Deno.test({
  name: "acknowledged once forwarded: a map's results are stored first" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: () =>
    withDataflow(join(ROOT, "graphs/temperature.yaml"), async ({ push, sent }) => {
      const spies = push([reading(212), reading(32)]);
      await until(() => released(spies) === 2, 10_000);
      assert.equal(released(spies), 2);
      assert.ok(spies.every((s) => s.calls === 1), "each exactly once");
      await until(() => sent().length === 2, 10_000);
      assert.deepEqual(sent().map((p) => JSON.parse(p).temperature.value), [100, 0]);
    }),
});

Deno.test({
  name: "acknowledged when filtered out, and when dead-lettered" + modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: () =>
    withDataflow(
      join(ROOT, "tests/fixtures/graphs/temperature_filter.yaml"),
      async ({ push, queue }) => {
        // 10 °F is below the bound (filtered), "not json" fails in the module (dead letter).
        const spies = push([reading(10), "not json", reading(80)]);
        await until(() => released(spies) === 3, 10_000);
        assert.equal(released(spies), 3);
        assert.equal(queue.usage().deadLetters.count, 1, "the bad one is kept as a dead letter");
      },
    ),
});

Deno.test("acknowledged when too large for the queue: kept as a dead letter without payload", () =>
  withDataflow(undefined, async ({ push, queue, sent }) => {
    const spies = push(["x".repeat(4096), "small"]);
    await until(() => released(spies) === 2, 10_000);
    assert.equal(released(spies), 2);
    await until(() => sent().length === 1, 10_000);
    assert.deepEqual(sent(), ["small"]);
    const stub = queue.peek(10).find((m) => m.deadLetter || m.destination.startsWith("dead"));
    assert.ok(stub, "a dead letter says what was dropped");
    const body = JSON.parse(new TextDecoder().decode(stub.payload));
    assert.equal(body.kind, "too-large");
    assert.equal(body.payloadBytes, 4096);
  }, { maxBytes: 2048 }));

Deno.test({
  name: "acknowledged when the graph fails: its messages are dead-lettered first" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: () =>
    withDataflow(join(ROOT, "graphs/temperature.yaml"), async ({ push, queue }) => {
      const first = push([reading(212)]);
      await until(() => released(first) === 1, 10_000);
      // A storage fault for outputs only (dead letters still go in): the sink's write throws,
      // which is fatal for the graph.
      const append = queue.append.bind(queue);
      queue.append = (batch) => {
        if (batch.some((m) => !m.deadLetter)) throw new Error("disk I/O error");
        return append(batch);
      };
      const spies = push([reading(1), reading(2)]);
      await until(() => released(spies) === 2, 10_000);
      assert.equal(released(spies), 2, "no message of a failed graph holds back later ones");
      const later = push([reading(3)]);
      await until(() => released(later) === 1, 10_000);
      assert.equal(released(later), 1, "input after the failure is dead-lettered and acknowledged");
      const bodies = queue.peek(10).filter((m) => m.destination === "dead-letter/flow").map((m) =>
        JSON.parse(new TextDecoder().decode(m.payload))
      );
      assert.equal(bodies.length, 3, "every message the failed graph got is a dead letter");
      assert.match(bodies[0].reason, /disk I\/O error/);
    }),
});
