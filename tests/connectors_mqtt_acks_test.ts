/**
 * The MQTT source and router never let one message hold back another: a
 * poisoned `__ts` is stamped on arrival and leaves the clock usable, a
 * subscriber that throws still releases its hold, and a handler that throws
 * still has its batch acknowledged.
 */
import assert from "node:assert/strict";
import type { IPublishPacket } from "mqtt";
import { hlc, HlcClock } from "../src/base/mod.ts";
import {
  AckSequencer,
  type InboundHandler,
  type InboundMessage,
  InboundRouter,
  messageToRecord,
  type MqttConnection,
  MqttSource,
} from "../src/connectors/mod.ts";
import { jsonLogger, Metrics, silentLogger } from "../src/telemetry/mod.ts";

function inbound(ts: string | undefined, ack: () => void = () => {}): InboundMessage {
  return {
    topic: "a/b",
    payload: new TextEncoder().encode("{}"),
    qos: 1,
    duplicate: false,
    contentType: null,
    userProperties: ts === undefined ? [] : [["__ts", ts]],
    ack,
  };
}

Deno.test("a __ts whose counter would overflow is stamped on arrival and poisons nothing", () => {
  const now = 1_000_000;
  const clock = new HlcClock("gw", { now: () => now });
  const poisoned = messageToRecord(inbound(`${now + 20_000}:9007199254740989:x`), clock);
  assert.match(poisoned.warning ?? "", /counter "9007199254740989" is above/);
  assert.equal(poisoned.record.time.node, "gw", "stamped on arrival");
  // Every later message is fine: the clock took nothing from the poisoned one.
  for (let i = 0; i < 1000; i++) {
    const next = messageToRecord(inbound(`${now}:${i}:dev`), clock);
    assert.equal(next.warning, undefined);
    assert.deepEqual(next.record.time, hlc(now, i, "dev"));
  }
  // A counter at the top of the trusted range moves the clock's time on instead of throwing.
  const top = messageToRecord(inbound(`${now}:4294967295:dev`), clock);
  assert.equal(top.warning, undefined);
  assert.ok(messageToRecord(inbound(undefined), clock).record.time.ms > now);
});

Deno.test("a __ts within a per-dataflow drift is taken; beyond it, stamped and counted", () => {
  const now = 1_000_000;
  const clock = new HlcClock("gw", { now: () => now, maxDriftMs: 5_000 });
  assert.equal(messageToRecord(inbound(`${now + 5_000}:0:d`), clock).record.time.node, "d");
  const far = messageToRecord(inbound(`${now + 5_001}:0:d`), clock);
  assert.equal(far.record.time.node, "gw");
  assert.match(far.warning ?? "", /at most 5000 ms is allowed/);
});

function packet(messageId: number): IPublishPacket {
  return {
    cmd: "publish",
    topic: "a/b",
    payload: new Uint8Array([1]),
    qos: 1,
    dup: false,
    retain: false,
    messageId,
  } as IPublishPacket;
}

Deno.test("InboundRouter releases the hold of a subscriber that throws, so later PUBACKs go out", () => {
  const sent: number[] = [];
  const acks = new AckSequencer((id) => sent.push(id));
  const metrics = new Metrics();
  const router = new InboundRouter({ name: "e", acks, logger: silentLogger, metrics, parkMs: 10 });
  let calls = 0;
  router.add(["a/#"], (m) => {
    if (++calls === 1) throw new Error("cannot take this one");
    m.ack();
  });
  router.route(packet(1), true);
  router.route(packet(2), true);
  assert.deepEqual(sent, [1, 2], "the failed message does not hold back the next");
  assert.equal(
    metrics.counters().find((c) => c.name === "weir_mqtt_subscriber_failures_total")?.value,
    1,
  );
  router.close();
});

/** A stand-in connection: enough of MqttConnection for a source to subscribe to. */
function fakeConnection(): { value: MqttConnection; deliver: (m: InboundMessage) => void } {
  let handler: InboundHandler | undefined;
  const value = {
    name: "e",
    expectSubscriber: () => () => {},
    subscribe: (_o: unknown, h: InboundHandler) => {
      handler = h;
      return Promise.resolve({ close() {} });
    },
  } as unknown as MqttConnection;
  return { value, deliver: (m) => handler!(m) };
}

Deno.test("MqttSource acknowledges a batch whose handler threw, and counts it", async () => {
  const conn = fakeConnection();
  const metrics = new Metrics();
  const source = new MqttSource(
    { value: conn.value, release: () => Promise.resolve() },
    { topics: ["a/#"], logger: silentLogger, metrics, labels: { dataflow: "d" } },
  );
  let batches = 0;
  await source.start(() => {
    batches++;
    throw new Error("handler bug");
  });
  const acked: number[] = [];
  conn.deliver(inbound(undefined, () => acked.push(1)));
  conn.deliver(inbound(undefined, () => acked.push(2)));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(batches, 1);
  assert.deepEqual(acked, [1, 2]);
  const failures = metrics.counters().find((c) => c.name === "weir_source_handler_failures_total");
  assert.equal(failures?.value, 2);
  assert.deepEqual(failures?.labels, { endpoint: "e", dataflow: "d" });
  await source.close();
});

Deno.test("MqttSource counts messages stamped on arrival per dataflow", async () => {
  const conn = fakeConnection();
  const metrics = new Metrics();
  const source = new MqttSource(
    { value: conn.value, release: () => Promise.resolve() },
    { topics: ["a/#"], logger: silentLogger, metrics, labels: { dataflow: "d" } },
  );
  const times: string[] = [];
  await source.start((batch) => {
    for (const r of batch.records) times.push(r.time.node);
    batch.ackAll();
  });
  conn.deliver(inbound(`${Date.now() + 20_000}:9007199254740989:x`));
  conn.deliver(inbound(`${Date.now()}:1:dev`));
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(times, ["weir", "dev"]);
  const restamped = metrics.counters().find((c) => c.name === "weir_source_restamped_total");
  assert.equal(restamped?.value, 1);
  await source.close();
});

Deno.test("MqttSource warns once about a flood of bad __ts and summarises the rest with a count", async () => {
  const conn = fakeConnection();
  const lines: Array<Record<string, unknown>> = [];
  const source = new MqttSource(
    { value: conn.value, release: () => Promise.resolve() },
    { topics: ["a/#"], logger: jsonLogger({ write: (l) => lines.push(JSON.parse(l)) }) },
  );
  await source.start((batch) => batch.ackAll());
  for (let i = 0; i < 20; i++) conn.deliver(inbound(`not-a-time-${i}`));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(lines.length, 1, "one line for the first, not one per message");
  assert.match(String(lines[0]!.msg), /stamped on arrival: HLC "not-a-time-0"/);
  await source.close();
  assert.equal(lines.length, 2, "the rest are summarised, not lost");
  assert.equal(lines[1]!.repeated, 19);
  assert.match(String(lines[1]!.msg), /not-a-time-19/);
});
