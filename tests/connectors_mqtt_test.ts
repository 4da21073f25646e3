/**
 * The MQTT connector against a real broker (Debian mosquitto, one per test,
 * on a free loopback port): round trip with MQTT 5 properties, `__ts`,
 * QoS 1 acknowledgement after processing, redelivery, shared
 * subscriptions, reconnects, MQTT 3.1.1, credentials and TLS.
 */
import { testCertificates } from "./_tls.ts";
import { until } from "./_wait.ts";
import assert from "node:assert/strict";
import { formatHlc, hlc, type Message } from "../src/base/mod.ts";
import {
  acquireMqttConnection,
  ConnectionPool,
  MAX_IN_FLIGHT,
  type MqttConnection,
  mqttConnector,
  mqttEndpointSettings,
  MqttSink,
  MqttSource,
  type OutboundMessage,
  type SourceBatch,
} from "../src/connectors/mod.ts";
import type { Rec } from "../src/engine/mod.ts";
import { jsonLogger, type Logger } from "../src/telemetry/mod.ts";
import { HAS_MOSQUITTO, type Mosquitto, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

function capture(): { lines: LogLine[]; logger: Logger } {
  const lines: LogLine[] = [];
  return {
    lines,
    logger: jsonLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) }),
  };
}

/** Waits for `condition`, failing the test with `what` on a timeout. */
function waitFor(what: string, condition: () => boolean, ms = 8000): Promise<void> {
  return until(condition, ms, what);
}

function message(topic: string, payload: string, props: Array<[string, string]> = []): Message {
  return {
    kind: "message",
    timestamp: { secs: 0, nanos: 0, counter: 0, node: "" },
    topic: encoder.encode(topic),
    contentType: "application/json",
    payload: encoder.encode(payload),
    userProperties: props,
    schema: null,
  };
}

/** A broker, a pool and a log for one test; everything is closed at the end. */
async function withBroker(
  body: (env: {
    broker: Mosquitto;
    pool: ConnectionPool;
    log: ReturnType<typeof capture>;
    connect: (name: string, endpoint?: object, parkMs?: number) => MqttConnection;
    lease: (name: string, endpoint?: object) => ReturnType<typeof acquireMqttConnection>;
  }) => Promise<void>,
  options: Parameters<typeof startMosquitto>[0] = {},
): Promise<void> {
  const broker = await startMosquitto(options);
  const pool = new ConnectionPool();
  const log = capture();
  const lease = (name: string, endpoint: object = {}, parkMs = 10_000) =>
    acquireMqttConnection(
      pool,
      name,
      mqttEndpointSettings(name, { url: broker.url, ...endpoint }),
      {
        logger: log.logger.child({ endpoint: name }),
        reconnectPeriodMs: 100,
        parkMs,
      },
    );
  try {
    await body({
      broker,
      pool,
      log,
      lease: (name, endpoint) => lease(name, endpoint),
      connect: (name, endpoint, parkMs) => lease(name, endpoint, parkMs).value,
    });
  } finally {
    await pool.close();
    await broker.stop();
  }
}

function collect(): { batches: SourceBatch[]; records: () => Rec[] } {
  const batches: SourceBatch[] = [];
  return { batches, records: () => batches.flatMap((b) => [...b.records]) };
}

Deno.test({
  name:
    `mqtt: a record goes out and comes back with topic, MQTT 5 properties, content type and __ts${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: () =>
    withBroker(async ({ lease, log }) => {
      const got = collect();
      const source = new MqttSource(lease("plant"), { topics: ["cloud/#"], logger: log.logger });
      await source.start((batch) => {
        got.batches.push(batch);
        batch.ackAll();
      });
      const sink = new MqttSink(lease("cloud"), {
        topic: "cloud/${outputTopic}",
        outputId: (r) => `flow/map/${formatHlc(r.time)}`,
        logger: log.logger,
      });
      const time = hlc(Date.now() - 5_000, 4, "upstream");
      await sink.write([{
        time,
        data: message("plant/oven", '{"t":212}', [["site", "7"], ["trace", "a"], ["trace", "b"]]),
      }]);
      await waitFor("the record", () => got.records().length === 1);
      const [record] = got.records();
      assert.deepEqual(record!.time, time, "the record's time is its __ts");
      const data = record!.data as Message;
      assert.equal(decoder.decode(data.topic), "cloud/plant/oven");
      assert.equal(decoder.decode(data.payload), '{"t":212}');
      assert.equal(data.contentType, "application/json");
      assert.deepEqual(data.userProperties, [
        ["site", "7"],
        ["trace", "a"],
        ["trace", "b"],
        ["__weirId", `flow/map/${formatHlc(time)}`],
      ]);
      assert.deepEqual(data.timestamp, {
        secs: Math.floor(time.ms / 1000),
        nanos: (time.ms % 1000) * 1_000_000,
        counter: 4,
        node: "upstream",
      });
      await source.close();
      await sink.close();
      assert.deepEqual(log.lines.filter((l) => l.level !== "info"), []);
    }),
});

for (const protocol of ["5", "3.1.1"] as const) {
  Deno.test({
    name:
      `mqtt ${protocol}: QoS 1 PUBACKs wait for the caller's ack, in arrival order; unacknowledged ones come again${MOSQUITTO_NOTE}`,
    ignore: !HAS_MOSQUITTO,
    fn: () =>
      withBroker(async ({ lease, log, pool }) => {
        const sink = new MqttSink(lease("out", { protocol }), {
          topic: "work/items",
          logger: log.logger,
        });
        const send = (n: number) =>
          sink.send(
            Array.from({ length: n }, (_, i): OutboundMessage => ({
              topic: "work/items",
              payload: encoder.encode(`item-${i}`),
              properties: { contentType: null, userProperties: [] },
            })),
          );
        const first = lease("in", { protocol });
        const got = collect();
        const source = new MqttSource(first, { topics: ["work/#"], logger: log.logger });
        await source.start((batch) => void got.batches.push(batch));
        await send(3);
        await waitFor("three records", () => got.records().length === 3);
        const acks = got.batches.flatMap((b) => [...b.acks]);
        const connection = first.value;
        assert.equal(connection.unacknowledged, 3);
        acks[1]!();
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(connection.unacknowledged, 3, "the second is done, but the first is not");
        acks[0]!();
        assert.equal(connection.unacknowledged, 1, "first and second acknowledged, in order");
        acks[2]!();
        assert.equal(connection.unacknowledged, 0);

        // Two more that are never acknowledged, then the gateway goes away.
        const before = got.records().length;
        await send(2);
        await waitFor("two more records", () => got.records().length === before + 2);
        await source.close(); // releases the last lease: the connection closes
        assert.deepEqual(pool.keys().filter((k) => k === "mqtt:in"), []);

        const again = collect();
        const resumed = new MqttSource(lease("in", { protocol }), {
          topics: ["work/#"],
          logger: log.logger,
        });
        await resumed.start((batch) => {
          again.batches.push(batch);
          batch.ackAll();
        });
        await waitFor("the redelivery", () => again.records().length === 2);
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(
          again.records().map((r) => decoder.decode((r.data as Message).payload)),
          ["item-0", "item-1"],
          "exactly the two unacknowledged messages, not the three acknowledged before",
        );
        await resumed.close();
        await sink.close();
      }),
  });
}

Deno.test({
  name:
    `mqtt: messages queued for the session while the gateway was away wait for their source${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: () =>
    withBroker(async ({ lease, connect, log }) => {
      const first = new MqttSource(lease("in"), { topics: ["park/#"], logger: log.logger });
      await first.start((b) => b.ackAll());
      await first.close();
      const sink = new MqttSink(lease("out"), { topic: "park/it", logger: log.logger });
      await sink.write([1, 2, 3].map((n) => ({ time: hlc(n), data: message("x", `m${n}`) })));
      // The session resumes: the broker sends the three at once, before the source is started.
      // The source exists (the gateway makes it, then builds its graph, then starts it), so the
      // messages wait for it however long that takes, well past parkMs.
      const connection = connect("in", {}, 100);
      const secondLease = lease("in");
      const second = new MqttSource(secondLease, { topics: ["park/#"], logger: log.logger });
      await connection.whenConnected();
      await waitFor("the parked messages", () => connection.parked === 3);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(connection.parked, 3, "still there after parkMs: their source is coming");
      assert.equal(connection.unacknowledged, 3);
      const got = collect();
      await second.start((batch) => {
        got.batches.push(batch);
        batch.ackAll();
      });
      await waitFor("the three", () => got.records().length === 3);
      assert.deepEqual(got.records().map((r) => r.time.ms), [1, 2, 3]);
      assert.equal(connection.unacknowledged, 0);
      assert.equal(connection.parked, 0);
      await second.close();
      await sink.close();
    }),
});

Deno.test({
  name:
    `mqtt: messages no subscriber takes are acknowledged and dropped after parkMs, with a warning${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: () =>
    withBroker(async ({ lease, connect, log }) => {
      const first = new MqttSource(lease("in"), { topics: ["gone/#"], logger: log.logger });
      await first.start((b) => b.ackAll());
      await first.close();
      const sink = new MqttSink(lease("out"), { topic: "gone/x", logger: log.logger });
      await sink.write([{ time: hlc(1), data: message("x", "old") }]);
      const connection = connect("in", {}, 150);
      // A source that is made and closed without starting holds the messages only while it exists.
      const never = new MqttSource(lease("in"), { topics: ["other/#"], logger: log.logger });
      await waitFor("the unrouted message", () => connection.unacknowledged === 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(connection.parked, 1, "kept while a source is announced");
      await never.close();
      await waitFor("the drop", () => connection.unacknowledged === 0, 3000);
      assert.equal(connection.parked, 0);
      assert.ok(
        log.lines.some((l) => l.msg === "dropped messages no subscriber took" && l.count === 1),
      );
      await sink.close();
    }),
});

Deno.test({
  name: `mqtt: a shared subscription splits the messages between two gateways${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: () =>
    withBroker(async ({ lease, log }) => {
      const a = collect();
      const b = collect();
      const sourceA = new MqttSource(lease("a"), {
        topics: ["shared/#"],
        sharedGroup: "weir",
        logger: log.logger,
      });
      const sourceB = new MqttSource(lease("b"), {
        topics: ["shared/#"],
        sharedGroup: "weir",
        logger: log.logger,
      });
      await sourceA.start((batch) => void (a.batches.push(batch), batch.ackAll()));
      await sourceB.start((batch) => void (b.batches.push(batch), batch.ackAll()));
      const sink = new MqttSink(lease("out"), {
        topic: "shared/${outputTopic}",
        logger: log.logger,
      });
      await sink.write(
        Array.from(
          { length: 20 },
          (_, i) => ({ time: hlc(1000 + i), data: message(`t${i}`, `${i}`) }),
        ),
      );
      await waitFor("all twenty", () => a.records().length + b.records().length === 20);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(a.records().length + b.records().length, 20, "each message once");
      assert.ok(a.records().length > 0 && b.records().length > 0, "both members got some");
      const topics = [...a.records(), ...b.records()].map((r) =>
        decoder.decode((r.data as Message).topic)
      );
      assert.ok(topics.every((t) => t.startsWith("shared/t")), "the real topic, not $share/…");
      await Promise.all([sourceA.close(), sourceB.close(), sink.close()]);
    }),
});

Deno.test({
  name:
    `mqtt: after the broker restarts the connection comes back, resubscribes, and a waiting publish completes${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: () =>
    withBroker(async ({ broker, lease, log }) => {
      const got = collect();
      const held = lease("edge");
      const connection = held.value;
      const source = new MqttSource(held, { topics: ["loop/in"], logger: log.logger });
      await source.start((batch) => void (got.batches.push(batch), batch.ackAll()));
      const sink = new MqttSink(lease("edge"), { topic: "loop/in", logger: log.logger });
      await sink.write([{ time: hlc(1), data: message("x", "before") }]);
      await waitFor("the first record", () => got.records().length === 1);

      await broker.restart();
      await waitFor("the reconnect", () => connection.connected);
      await sink.write([{ time: hlc(2), data: message("x", "after") }]);
      await waitFor("the record after the restart", () => got.records().length === 2);
      assert.equal(decoder.decode((got.records()[1]!.data as Message).payload), "after");
      assert.ok(log.lines.some((l) => l.msg === "connection lost, reconnecting"));
      assert.ok(log.lines.some((l) => l.msg === "reconnected"));

      // A publish while the broker is away waits, and completes once it is back.
      const down = broker.restart();
      await waitFor("the outage", () => !connection.connected);
      let done = false;
      const sent = sink.send([{
        topic: "loop/out",
        payload: encoder.encode("during"),
        properties: { contentType: null, userProperties: [] },
      }]).then(() => done = true);
      await down;
      await sent;
      assert.ok(done);
      await source.close();
      await sink.close();
    }),
});

Deno.test({
  name: `mqtt: a malformed __ts is taken, stamped on arrival, and warned about${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: () =>
    withBroker(async ({ lease, log }) => {
      const got = collect();
      const source = new MqttSource(lease("in"), {
        topics: ["ts/#"],
        node: "gw-1",
        logger: log.logger,
      });
      await source.start((batch) => void (got.batches.push(batch), batch.ackAll()));
      const sink = new MqttSink(lease("out"), { topic: "ts/x", logger: log.logger });
      const before = Date.now();
      await sink.send([{
        topic: "ts/x",
        payload: encoder.encode("v"),
        properties: { contentType: null, userProperties: [["__ts", "not-a-time"], ["k", "v"]] },
      }]);
      await waitFor("the record", () => got.records().length === 1);
      const [record] = got.records();
      assert.equal(record!.time.node, "gw-1");
      assert.ok(record!.time.ms >= before && record!.time.ms <= Date.now());
      assert.deepEqual((record!.data as Message).userProperties, [["k", "v"]]);
      const warning = log.lines.find((l) => l.level === "warn");
      assert.match(String(warning?.msg), /stamped on arrival: HLC "not-a-time" is malformed/);
      assert.equal(warning?.topic, "ts/x");
      await source.close();
      await sink.close();
    }),
});

Deno.test({
  name:
    `mqtt: MQTT 3.1.1 endpoints carry topic and payload (no properties), and QoS 0 works${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: () =>
    withBroker(async ({ lease, log }) => {
      for (const qos of [1, 0] as const) {
        const got = collect();
        const endpoint = { protocol: "3.1.1", qos };
        const source = new MqttSource(lease(`in${qos}`, endpoint), {
          topics: [`old${qos}/#`],
          logger: log.logger,
        });
        await source.start((batch) => void (got.batches.push(batch), batch.ackAll()));
        const sink = new MqttSink(lease(`out${qos}`, endpoint), {
          topic: `old${qos}/\${outputTopic}`,
          logger: log.logger,
        });
        await sink.write([{ time: hlc(7), data: message("a/b", "v311", [["dropped", "yes"]]) }]);
        await waitFor("the record", () => got.records().length === 1);
        const data = got.records()[0]!.data as Message;
        assert.equal(decoder.decode(data.topic), `old${qos}/a/b`);
        assert.equal(decoder.decode(data.payload), "v311");
        assert.equal(data.contentType, null);
        assert.deepEqual(data.userProperties, []);
        assert.notEqual(got.records()[0]!.time.ms, 7, "no __ts in 3.1.1: stamped on arrival");
        await source.close();
        await sink.close();
      }
    }),
});

Deno.test({
  name:
    `mqtt: at most ${MAX_IN_FLIGHT} publishes in flight, order kept, and a slow handler gets batches${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: () =>
    withBroker(async ({ lease, log }) => {
      const got = collect();
      const source = new MqttSource(lease("in"), { topics: ["many/#"], logger: log.logger });
      await source.start(async (batch) => {
        got.batches.push(batch);
        await new Promise((r) => setTimeout(r, 20));
        batch.ackAll();
      });
      const held = lease("out");
      const sink = new MqttSink(held, { topic: "many/x", logger: log.logger });
      const n = 1500;
      const messages = Array.from({ length: n }, (_, i): OutboundMessage => ({
        topic: "many/x",
        payload: encoder.encode(String(i)),
        properties: { contentType: null, userProperties: [] },
      }));
      let peak = 0;
      const sampler = setInterval(() => peak = Math.max(peak, held.value.inFlight), 1);
      const sending = sink.send(messages);
      peak = Math.max(peak, held.value.inFlight);
      await sending;
      clearInterval(sampler);
      assert.ok(peak > 0 && peak <= MAX_IN_FLIGHT, `peak in flight ${peak}`);
      assert.equal(held.value.inFlight, 0);
      await waitFor("every message", () => got.records().length === n, 20_000);
      assert.deepEqual(
        got.records().map((r) => Number(decoder.decode((r.data as Message).payload))),
        Array.from({ length: n }, (_, i) => i),
        "in publish order",
      );
      assert.ok(got.batches.length < n / 2, `${got.batches.length} batches for ${n} messages`);
      await source.close();
      await sink.close();
    }),
});

Deno.test({
  name:
    `mqtt: credentials come from a password file or the environment; a wrong one is reported once${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "weir-mqtt-credentials-" });
    try {
      await Deno.writeTextFile(`${dir}/pw`, "s3cret\n");
      await Deno.writeTextFile(`${dir}/wrong`, "nope\n");
      await withBroker(async ({ broker, pool, log }) => {
        const context = {
          logger: log.logger,
          connections: pool,
          env: (name: string) => name === "WEIR_TEST_PW" ? "s3cret" : undefined,
        };
        const got = collect();
        const source = mqttConnector.createSource!({
          endpointName: "file",
          endpoint: { url: broker.url, credentials: { username: "gw", passwordFile: `${dir}/pw` } },
          topics: ["secure/#"],
        }, context);
        await source.start((batch) => void (got.batches.push(batch), batch.ackAll()));
        const sink = mqttConnector.createSink!({
          endpointName: "env",
          endpoint: {
            url: broker.url,
            credentials: { username: "gw", passwordEnv: "WEIR_TEST_PW" },
          },
          topic: "secure/x",
        }, context);
        await sink.write([{ time: hlc(1), data: message("x", "ok") }]);
        await waitFor("the record", () => got.records().length === 1);

        const bad = acquireMqttConnection(
          pool,
          "bad",
          mqttEndpointSettings("bad", {
            url: broker.url,
            credentials: { username: "gw", passwordFile: `${dir}/wrong` },
          }),
          { logger: log.logger.child({ endpoint: "bad" }), reconnectPeriodMs: 50 },
        );
        await new Promise((r) => setTimeout(r, 400));
        assert.equal(bad.value.connected, false);
        const errors = log.lines.filter((l) =>
          l.endpoint === "bad" && l.msg === "connection error"
        );
        assert.equal(errors.length, 1, "one line per outage, not per attempt");
        assert.match(String(errors[0]!.error), /Not authorized|Bad User Name or Password/);
        await source.close();
        await sink.close();
        await bad.release();
      }, { users: { gw: "s3cret" } });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `mqtt: an mqtts:// endpoint with its CA file connects over TLS${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "weir-mqtt-tls-" });
    try {
      await Deno.chmod(dir, 0o755);
      const tls = await testCertificates(dir);
      await withBroker(async ({ lease, log }) => {
        const endpoint = { tls: { ca: tls.ca } };
        const got = collect();
        const source = new MqttSource(lease("in", endpoint), {
          topics: ["tls/#"],
          logger: log.logger,
        });
        await source.start((batch) => void (got.batches.push(batch), batch.ackAll()));
        const sink = new MqttSink(lease("out", endpoint), { topic: "tls/x", logger: log.logger });
        await sink.write([{ time: hlc(1), data: message("x", "encrypted") }]);
        await waitFor("the record", () => got.records().length === 1);
        assert.equal(decoder.decode((got.records()[0]!.data as Message).payload), "encrypted");
        await source.close();
        await sink.close();
      }, { tls });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
