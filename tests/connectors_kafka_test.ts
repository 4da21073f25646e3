/**
 * The Kafka connector against a real Kafka 4.4.0 broker (KRaft, from the
 * Maven jars): records ↔ Kafka records, commits up to the lowest
 * unacknowledged offset, redelivery with the same times, and clear errors.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Admin, Consumer, Producer } from "@platformatic/kafka";
import { dataTimestampOf, formatHlc, type Message } from "../src/base/mod.ts";
import {
  ConnectionPool,
  ConnectorError,
  KafkaConnection,
  kafkaConnector,
  kafkaEndpointSettings,
  type SourceBatch,
} from "../src/connectors/mod.ts";
import type { Rec } from "../src/engine/mod.ts";
import { jsonLogger, Metrics } from "../src/telemetry/mod.ts";
import { HAS_KAFKA, type Kafka, KAFKA_NOTE, startKafka } from "./_kafka.ts";

const logger = jsonLogger({ level: "error", write: () => {} });
const enc = new TextEncoder();
const dec = new TextDecoder();

function message(topic: string, payload: string, props: Array<[string, string]> = []): Rec {
  const data: Message = {
    kind: "message",
    timestamp: dataTimestampOf({ ms: 1_700_000_000_000, counter: 3, node: "n1" }),
    topic: enc.encode(topic),
    contentType: "application/json",
    payload: enc.encode(payload),
    userProperties: props,
    schema: null,
  };
  return { time: { ms: 1_700_000_000_000, counter: 3, node: "n1" }, data };
}

Deno.test("KafkaConnection logs an outage once, from the first failure on, and keeps the last error", async () => {
  const lines: Array<{ msg: string; error?: string; downMs?: number }> = [];
  const log = jsonLogger({ level: "info", write: (line) => lines.push(JSON.parse(line)) });
  const settings = kafkaEndpointSettings("k", { kind: "kafka", brokers: ["127.0.0.1:9"] });
  await using connection = new KafkaConnection("k", settings, { logger: log });
  // Never up yet: the first failure is news, the second only the latest reason.
  connection.report(new Error("first"));
  connection.report(new Error("second"));
  assert.equal(connection.status().up, false);
  assert.equal(connection.status().error, "second");
  connection.report();
  assert.equal(connection.status().up, true);
  assert.deepEqual(lines.map((l) => l.msg), ["Kafka unavailable", "Kafka available again"]);
  assert.equal(lines[0]!.error, "first");
  assert.equal(typeof lines[1]!.downMs, "number");
});

async function createTopic(broker: string, topic: string, partitions: number): Promise<void> {
  const admin = new Admin({ clientId: "weir-test-admin", bootstrapBrokers: [broker] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

async function committed(broker: string, group: string, topic: string, partitions: number) {
  const consumer = new Consumer({
    clientId: "weir-test-offsets",
    groupId: group,
    bootstrapBrokers: [broker],
  });
  try {
    const offsets = await consumer.listCommittedOffsets({
      topics: [{ topic, partitions: [...Array(partitions).keys()] }],
    });
    return offsets.get(topic)!.map(Number);
  } finally {
    await consumer.close(true);
  }
}

async function readAll(broker: string, topic: string, count: number, timeoutMs = 20_000) {
  const consumer = new Consumer({
    clientId: "weir-test-reader",
    groupId: `reader-${crypto.randomUUID()}`,
    bootstrapBrokers: [broker],
  });
  const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false });
  const got: Array<{
    key: string | undefined;
    value: string;
    headers: Array<[string, string]>;
    partition: number;
  }> = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${got.length} of ${count} from "${topic}"`)),
        timeoutMs,
      );
      stream.on("data", (m) => {
        got.push({
          key: m.key === undefined || m.key === null ? undefined : dec.decode(m.key),
          value: dec.decode(m.value ?? new Uint8Array()),
          headers: m.headerEntries.map(([k, v]) => [dec.decode(k), dec.decode(v)]),
          partition: m.partition,
        });
        if (got.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    await stream.close();
    await consumer.close(true);
  }
  return got;
}

Deno.test({
  name: "Kafka connector against a real broker" + KAFKA_NOTE,
  ignore: !HAS_KAFKA,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const kafka: Kafka = await startKafka();
    const pool = new ConnectionPool();
    const metrics = new Metrics();
    const context = { logger, connections: pool, metrics };
    const endpoint = { kind: "kafka", brokers: [kafka.broker], batching: { latencyMs: 2 } };
    try {
      await t.step(
        "KafkaSink produces value, headers in order, content type, __ts, __weirId and the key",
        async () => {
          await createTopic(kafka.broker, "out", 1);
          const sink = kafkaConnector.createSink!({
            endpointName: "bus",
            endpoint,
            topic: "out",
            key: "${inputTopic}",
          }, context);
          const records = [
            message("sensors/a", '{"v":1}', [["site", "plant-7"], ["tag", "x"], ["tag", "y"]]),
            message("sensors/b", '{"v":2}'),
          ];
          await sink.send(records.map((r, i) => sink.encode(r, `flow/v1/sink/${i}`)));
          const got = await readAll(kafka.broker, "out", 2);
          assert.deepEqual(got.map((g) => [g.key, g.value]), [
            ["sensors/a", '{"v":1}'],
            ["sensors/b", '{"v":2}'],
          ]);
          assert.deepEqual(got[0]!.headers, [
            ["content-type", "application/json"],
            ["site", "plant-7"],
            ["tag", "x"],
            ["tag", "y"],
            ["__ts", formatHlc(records[0]!.time)],
            ["__weirId", "flow/v1/sink/0"],
          ]);
          await sink.close();
        },
      );

      await t.step("key templates: fixed, a user property, none", async () => {
        await createTopic(kafka.broker, "keys", 1);
        const make = (key?: string) =>
          kafkaConnector.createSink!({
            endpointName: "bus",
            endpoint,
            topic: "keys",
            ...(key === undefined ? {} : { key }),
          }, context);
        const fixed = make("plant-7");
        const prop = make("${property:device}");
        const none = make();
        const r = message("t", "1", [["device", "oven-3"]]);
        await fixed.send([fixed.encode(r)]);
        await prop.send([prop.encode(r)]);
        await none.send([none.encode(r)]);
        const got = await readAll(kafka.broker, "keys", 3);
        assert.deepEqual(got.map((g) => g.key), ["plant-7", "oven-3", undefined]);
        assert.throws(
          () => make("${outputTopic}"),
          (e: unknown) => e instanceof ConnectorError && e.code === "connector_config",
        );
        await Promise.all([fixed.close(), prop.close(), none.close()]);
      });

      await t.step(
        "KafkaSource commits per partition only up to the lowest unacknowledged offset",
        async () => {
          await createTopic(kafka.broker, "in", 2);
          const producer = new Producer({
            clientId: "weir-test-p",
            bootstrapBrokers: [kafka.broker],
            idempotent: true,
          });
          await producer.send({
            messages: [...Array(10).keys()].map((i) => ({
              topic: "in",
              partition: i % 2,
              key: Buffer.from(`k${i}`),
              value: Buffer.from(`m${i}`),
              headers: i === 0
                ? new Map([[Buffer.from("__ts"), Buffer.from("1700000000000:7:plc")]])
                : new Map([[Buffer.from("content-type"), Buffer.from("text/plain")]]),
            })),
          });
          await producer.close();
          const source = kafkaConnector.createSource!({
            endpointName: "bus",
            endpoint,
            topics: ["in"],
            dataflow: "d1",
            labels: { dataflow: "d1" },
          }, context);
          const held: Array<{ rec: Rec; ack: () => void }> = [];
          await source.start((batch: SourceBatch) => {
            batch.records.forEach((rec, i) => held.push({ rec, ack: batch.acks[i]! }));
          });
          const deadline = Date.now() + 20_000;
          while (held.length < 10 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 50));
          }
          assert.equal(
            held.length,
            10,
            held.map((h) => `${dec.decode((h.rec.data as Message).payload)}@${h.rec.time.node}`)
              .join(" "),
          );
          const byPayload = new Map(
            held.map((h) => [dec.decode((h.rec.data as Message).payload), h]),
          );
          const m0 = byPayload.get("m0")!.rec;
          assert.deepEqual(
            m0.time,
            { ms: 1700000000000, counter: 7, node: "plc" },
            "__ts is the time",
          );
          const m3 = byPayload.get("m3")!.rec;
          assert.equal(
            m3.time.node,
            "in/1/1",
            "without __ts: Kafka timestamp and the record's place",
          );
          assert.deepEqual((m3.data as Message).userProperties, [["__key", "k3"]]);
          assert.equal((m3.data as Message).contentType, "text/plain");
          assert.equal(dec.decode((m3.data as Message).topic), "in");
          // Partition 0 holds m0 m2 m4 m6 m8 (offsets 0-4), partition 1 m1 … m9.
          for (const p of ["m0", "m2", "m6", "m8", "m1", "m3", "m5", "m7", "m9"]) {
            byPayload.get(p)!.ack();
          }
          let points: number[] = [];
          for (let i = 0; i < 50; i++) {
            await new Promise((r) => setTimeout(r, 100));
            points = await committed(kafka.broker, "weir-d1", "in", 2);
            if (points[0] === 2 && points[1] === 5) break;
          }
          assert.deepEqual(
            points,
            [2, 5],
            "m4 (offset 2) is unacknowledged: partition 0 stops there",
          );
          await source.close();
          // A new member of the group gets m4 again, with the same time, then m6 and m8.
          const again = kafkaConnector.createSource!({
            endpointName: "bus",
            endpoint,
            topics: ["in"],
            dataflow: "d1",
          }, context);
          const redelivered: Rec[] = [];
          await again.start((batch) => {
            redelivered.push(...batch.records);
            batch.ackAll();
          });
          while (redelivered.length < 3 && Date.now() < deadline + 20_000) {
            await new Promise((r) => setTimeout(r, 50));
          }
          assert.deepEqual(redelivered.map((r) => dec.decode((r.data as Message).payload)), [
            "m4",
            "m6",
            "m8",
          ]);
          assert.deepEqual(
            redelivered[0]!.time,
            byPayload.get("m4")!.rec.time,
            "same record, same time",
          );
          await again.close();
        },
      );

      await t.step(
        "clear errors: unknown topic to produce to, unknown topic to read, bad broker",
        async () => {
          const sink = kafkaConnector.createSink!(
            { endpointName: "bus", endpoint, topic: "nope" },
            context,
          );
          await assert.rejects(sink.send([sink.encode(message("t", "x"))]), (e: unknown) => {
            assert.ok(e instanceof ConnectorError);
            assert.equal(e.code, "connector_refused");
            assert.match(
              e.message,
              /^Producing to "nope" on "bus" failed: .*(UNKNOWN_TOPIC|does not exist|unknown topic)/i,
            );
            return true;
          });
          await sink.close();
          const source = kafkaConnector.createSource!({
            endpointName: "bus",
            endpoint,
            topics: ["missing-topic"],
            dataflow: "d2",
          }, context);
          await assert.rejects(source.start(() => {}), (e: unknown) => {
            assert.ok(e instanceof ConnectorError);
            assert.match(
              e.message,
              /^Consuming "missing-topic" on "bus" as group "weir-d2" failed: /,
            );
            return true;
          });
          await source.close();
          const nowhere = kafkaConnector.createSink!({
            endpointName: "nowhere",
            endpoint: { kind: "kafka", brokers: ["127.0.0.1:1"] },
            topic: "out",
          }, context);
          await assert.rejects(nowhere.send([nowhere.encode(message("t", "x"))]), (e: unknown) => {
            assert.ok(e instanceof ConnectorError);
            assert.match(e.message, /^Producing to "out" on "nowhere" failed: .*ECONNREFUSED/);
            return true;
          });
          await nowhere.close();
        },
      );
    } finally {
      await pool.close();
      await kafka.stop();
    }
  },
});

Deno.test({
  name: "Kafka connector: SASL/SCRAM credentials, right and wrong" + KAFKA_NOTE,
  ignore: !HAS_KAFKA,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kafka = await startKafka({ scramUsers: { gw7: "right-password" } });
    const pool = new ConnectionPool();
    const dir = await Deno.makeTempDir();
    try {
      await createTopicScram(kafka.broker, "secure");
      await Deno.writeTextFile(`${dir}/pw`, "right-password\n");
      await Deno.writeTextFile(`${dir}/bad`, "wrong\n");
      const endpoint = (file: string) => ({
        kind: "kafka",
        brokers: [kafka.broker],
        sasl: { mechanism: "scram-sha-512", username: "gw7", passwordFile: file },
      });
      const context = { logger, connections: pool };
      const good = kafkaConnector.createSink!({
        endpointName: "good",
        endpoint: endpoint(`${dir}/pw`),
        topic: "secure",
      }, context);
      await good.send([good.encode(message("t", "ok"))]);
      const bad = kafkaConnector.createSink!({
        endpointName: "bad",
        endpoint: endpoint(`${dir}/bad`),
        topic: "secure",
      }, context);
      await assert.rejects(bad.send([bad.encode(message("t", "no"))]), (e: unknown) => {
        assert.ok(e instanceof ConnectorError);
        assert.match(
          e.message,
          /^Producing to "secure" on "bad" failed: .*(authenticat|SASL|credentials)/i,
        );
        return true;
      });
      assert.throws(
        () =>
          kafkaConnector.createSink!({
            endpointName: "nofile",
            endpoint: endpoint(`${dir}/none`),
            topic: "secure",
          }, context),
        /Kafka endpoint "nofile": cannot read the SASL password ".*none"/,
      );
      await Promise.all([good.close(), bad.close()]);
    } finally {
      await pool.close();
      await kafka.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

async function createTopicScram(broker: string, topic: string): Promise<void> {
  const admin = new Admin({
    clientId: "weir-test-admin",
    bootstrapBrokers: [broker],
    sasl: { mechanism: "SCRAM-SHA-512", username: "admin", password: "admin-secret" },
  });
  try {
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  } finally {
    await admin.close();
  }
}
