/**
 * Kafka through the gateway, against a real Kafka 4.4.0 broker and
 * mosquitto: MQTT → graph → Kafka, Kafka → MQTT and Kafka → graph → Kafka;
 * Kafka away for 30 s (outputs wait in the queue and replay in order);
 * kill -9 three times during a 20,000-message MQTT → Kafka stream; and a
 * second gateway joining the consumer group and being killed (the scale-out
 * path). Every message arrives; duplicates share `__weirId`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import mqtt from "mqtt";
import { Admin, Consumer, Producer } from "@platformatic/kafka";
import { parseConfig, startGateway } from "../src/gateway/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { publishThroughCrashes } from "./_crash_stream.ts";
import { startGatewayProcess, writeGatewayConfig } from "./_gateway_process.ts";
import { HAS_KAFKA, KAFKA_NOTE, startKafka } from "./_kafka.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

const TEMPERATURE = join(ROOT, "graphs/temperature.yaml");
const dec = new TextDecoder();
const READY = HAS_KAFKA && HAS_MOSQUITTO && modulesBuilt("temperature");
const NOTE = KAFKA_NOTE + MOSQUITTO_NOTE + modulesNote("temperature");

async function createTopics(broker: string, topics: string[], partitions = 1): Promise<void> {
  const admin = new Admin({ clientId: "weir-test-admin", bootstrapBrokers: [broker] });
  try {
    await admin.createTopics({ topics, partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

interface Seen {
  readonly value: string;
  readonly key: string | undefined;
  readonly headers: Record<string, string>;
  readonly partition: number;
}

/** Reads a topic from the start in the background; `seen` grows as records come. */
async function follow(broker: string, topic: string) {
  const consumer = new Consumer({
    clientId: "weir-test-reader",
    groupId: `reader-${crypto.randomUUID()}`,
    bootstrapBrokers: [broker],
  });
  const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false });
  const seen: Seen[] = [];
  stream.on("error", () => {}); // Kafka restarts in one test: the reader just stops
  stream.on("data", (m) => {
    seen.push({
      value: dec.decode(m.value ?? new Uint8Array()),
      key: m.key === undefined || m.key === null ? undefined : dec.decode(m.key),
      headers: Object.fromEntries(m.headerEntries.map(([k, v]) => [dec.decode(k), dec.decode(v)])),
      partition: m.partition,
    });
  });
  return {
    seen,
    async close() {
      await stream.close().catch(() => {});
      await consumer.close(true).catch(() => {});
    },
  };
}

async function until(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Checks that every value 0 … total-1 arrived and that records sharing an id are equal. */
function checkComplete(seen: readonly Seen[], total: number): void {
  const byId = new Map<string, string>();
  const values = new Set<number>();
  for (const s of seen) {
    const id = s.headers.__weirId ?? "";
    assert.notEqual(id, "", "every output has an id");
    const before = byId.get(id);
    if (before !== undefined) {
      assert.equal(s.value, before, `duplicate id ${id} with another payload`);
    }
    byId.set(id, s.value);
    values.add(JSON.parse(s.value).temperature.value);
  }
  const missing = [...Array(total).keys()].filter((v) => !values.has(v));
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${total} never arrived`);
  assert.equal(byId.size, total, "one output id per input");
}

Deno.test({
  name:
    "MQTT → graph → Kafka, Kafka → MQTT and Kafka → graph → Kafka through one gateway; Kafka away 30 s spills and replays in order" +
    NOTE,
  ignore: !READY,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const kafka = await startKafka();
    const broker = await startMosquitto();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-kafka-gw-" });
    await createTopics(kafka.broker, ["telemetry", "commands", "raw", "converted"]);
    const config = parseConfig(
      JSON.stringify({
        endpoints: {
          local: { url: broker.url, clientId: "weir-kafka-gw" },
          bus: { kind: "kafka", brokers: [kafka.broker], clientId: "weir-gw7" },
        },
        dataflows: {
          "to-kafka": {
            source: { endpoint: "local", topics: ["sensors/#"] },
            graph: { file: TEMPERATURE },
            destination: { endpoint: "bus", topic: "telemetry", key: "${inputTopic}" },
          },
          "from-kafka": {
            source: { endpoint: "bus", topics: ["commands"] },
            destination: { endpoint: "local", topic: "commands/in" },
          },
          "kafka-graph": {
            source: { endpoint: "bus", topics: ["raw"] },
            graph: { file: TEMPERATURE },
            destination: { endpoint: "bus", topic: "converted" },
          },
        },
        dataDir,
      }),
      "kafka-gw",
    );
    const gateway = await startGateway({
      config,
      log: jsonLogger({ level: "error", write: () => {} }),
      modulesDir: join(ROOT, "modules/dist"),
      metricsPort: null,
    });
    const telemetry = await follow(kafka.broker, "telemetry");
    const converted = await follow(kafka.broker, "converted");
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "kgw-pub" });
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "kgw-sub" });
    const producer = new Producer({
      clientId: "kgw-p",
      bootstrapBrokers: [kafka.broker],
      idempotent: true,
    });
    try {
      await t.step(
        "MQTT → temperature map → Kafka, keyed by the MQTT topic, properties as headers",
        async () => {
          await pub.publishAsync("sensors/oven-1", '{"temperature":{"value":212,"unit":"F"}}', {
            qos: 1,
            properties: { contentType: "application/json", userProperties: { site: "plant-7" } },
          });
          await until(() => telemetry.seen.length >= 1, 20_000, () => "no record in telemetry");
          const r = telemetry.seen[0]!;
          assert.equal(r.key, "sensors/oven-1");
          assert.equal(JSON.parse(r.value).temperature.value, 100);
          assert.equal(r.headers["content-type"], "application/json");
          assert.equal(r.headers.site, "plant-7");
          assert.match(r.headers.__ts ?? "", /^[0-9]{15}:[0-9]{5}:/);
          assert.match(r.headers.__weirId ?? "", /^to-kafka\/v[0-9]+\/sink\//);
        },
      );

      await t.step("Kafka → MQTT: value, headers as user properties, key as __key", async () => {
        const got = new Promise<mqtt.IPublishPacket>((resolve) =>
          sub.on("message", (_t, _p, packet) => resolve(packet))
        );
        await sub.subscribeAsync("commands/in", { qos: 1 });
        await producer.send({
          messages: [{
            topic: "commands",
            key: Buffer.from("oven-1"),
            value: Buffer.from('{"cmd":"stop"}'),
            headers: new Map([[Buffer.from("operator"), Buffer.from("ana")]]),
          }],
        });
        const packet = await got;
        assert.equal(packet.payload.toString(), '{"cmd":"stop"}');
        const props = packet.properties?.userProperties ?? {};
        assert.equal(props.operator, "ana");
        assert.equal(props.__key, "oven-1");
        assert.ok(typeof props.__weirId === "string");
      });

      await t.step("Kafka → temperature map → Kafka", async () => {
        await producer.send({
          messages: [...Array(50).keys()].map((i) => ({
            topic: "raw",
            value: Buffer.from(JSON.stringify({ temperature: { value: i, unit: "C" } })),
          })),
        });
        await until(
          () => converted.seen.length >= 50,
          20_000,
          () => `${converted.seen.length} of 50`,
        );
        assert.deepEqual(
          converted.seen.map((s) => JSON.parse(s.value).temperature.value),
          [...Array(50).keys()],
          "in order",
        );
      });

      await t.step(
        "a Kafka source's consumer lag is in its dataflow's status; MQTT's none",
        async () => {
          const status = (name: string) => gateway.control.dataflows().find((d) => d.name === name);
          // Measured every 5 s: everything in "raw" was read above, so it comes down to 0.
          await until(
            () => status("kafka-graph")?.sourceLag === 0,
            20_000,
            () => JSON.stringify(status("kafka-graph")),
          );
          assert.equal(typeof status("from-kafka")?.sourceLag, "number");
          assert.equal(status("to-kafka")?.sourceLag, undefined);
        },
      );

      await t.step(
        "Kafka away for 30 s: outputs wait in the queue, then replay in order",
        async () => {
          const before = telemetry.seen.length;
          await telemetry.close();
          const restarted = kafka.restart(30_000);
          for (let i = 0; i < 300; i++) {
            await pub.publishAsync(
              "sensors/line",
              JSON.stringify({ temperature: { value: i, unit: "C" } }),
              {
                qos: 1,
              },
            );
            if (i % 30 === 29) await new Promise((r) => setTimeout(r, 1000)); // spread over the outage
          }
          await restarted;
          const after = await follow(kafka.broker, "telemetry");
          try {
            await until(
              () => after.seen.length >= before + 300,
              90_000,
              () => `${after.seen.length - before} of 300 after the outage`,
            );
            const values = after.seen.slice(before).map((s) =>
              JSON.parse(s.value).temperature.value
            );
            const firsts = values.filter((v, i) => values.indexOf(v) === i);
            assert.deepEqual(firsts, [...Array(300).keys()], "every output, in order");
          } finally {
            await after.close();
          }
        },
      );
    } finally {
      await producer.close();
      await pub.endAsync();
      await sub.endAsync();
      await converted.close();
      await telemetry.close();
      await gateway.stop();
      await broker.stop();
      await kafka.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

const TOTAL = 20_000;

Deno.test({
  name:
    "kill -9 three times during a 20,000-message MQTT → Kafka stream: every message is in Kafka, duplicates share __weirId" +
    NOTE,
  ignore: !READY,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kafka = await startKafka();
    const broker = await startMosquitto();
    const dir = await Deno.makeTempDir({ prefix: "weir-kafka-crash-" });
    await createTopics(kafka.broker, ["converted"], 3);
    const config = await writeGatewayConfig(
      dir,
      `endpoints:
  local: { url: "${broker.url}", clientId: weir-kafka-crash }
  bus: { kind: kafka, brokers: ["${kafka.broker}"] }
dataflows:
  convert:
    source: { endpoint: local, topics: ["in/#"] }
    graph: { file: ${TEMPERATURE} }
    destination: { endpoint: bus, topic: converted, key: "\${inputTopic}" }
dataDir: ${join(dir, "data")}
logging: { level: warn }
`,
    );
    let gateway = await startGatewayProcess(config);
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "kcrash-pub" });
    const out = await follow(kafka.broker, "converted");
    try {
      await publishThroughCrashes({
        pub,
        topic: "in/sensor",
        total: TOTAL,
        crashAfter: [5_000, 10_000, 15_000],
        crash: async () => {
          assert.notEqual(await gateway.stop("SIGKILL"), 0);
          gateway = await startGatewayProcess(config);
        },
      });
      const distinct = () => new Set(out.seen.map((s) => s.headers.__weirId)).size;
      await until(() => distinct() >= TOTAL, 180_000, () => `${distinct()} of ${TOTAL} in Kafka`);
      checkComplete(out.seen, TOTAL);
    } finally {
      await pub.endAsync();
      await out.close();
      await gateway.stop("SIGTERM");
      await broker.stop();
      await kafka.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "a second gateway joins the consumer group mid-stream and is killed -9 (and restarted): nothing lost, duplicates share __weirId" +
    KAFKA_NOTE + modulesNote("temperature"),
  ignore: !HAS_KAFKA || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kafka = await startKafka();
    const dir = await Deno.makeTempDir({ prefix: "weir-kafka-group-" });
    await createTopics(kafka.broker, ["readings", "celsius"], 4);
    const yaml = (name: string) =>
      `endpoints:
  bus: { kind: kafka, brokers: ["${kafka.broker}"] }
dataflows:
  convert:
    source: { endpoint: bus, topics: [readings] }
    graph: { file: ${TEMPERATURE} }
    destination: { endpoint: bus, topic: celsius }
dataDir: ${join(dir, name)}
logging: { level: warn }
`;
    await Deno.mkdir(join(dir, "a"));
    await Deno.mkdir(join(dir, "b"));
    const configA = await writeGatewayConfig(join(dir, "a"), yaml("a-data"));
    const configB = await writeGatewayConfig(join(dir, "b"), yaml("b-data"));
    const a = await startGatewayProcess(configA);
    let b: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
    const out = await follow(kafka.broker, "celsius");
    const producer = new Producer({
      clientId: "kgroup-p",
      bootstrapBrokers: [kafka.broker],
      idempotent: true,
    });
    const total = 12_000;
    try {
      for (let i = 0; i < total; i += 500) {
        await producer.send({
          messages: [...Array(500).keys()].map((j) => ({
            topic: "readings",
            key: Buffer.from(`dev-${(i + j) % 16}`),
            value: Buffer.from(JSON.stringify({ temperature: { value: i + j, unit: "C" } })),
          })),
        });
        if (i === 3_000) b = await startGatewayProcess(configB); // scale out: the group rebalances
        if (i === 8_000 && b !== undefined) {
          // Its partitions go back to A after the session timeout. What B had stored but not yet
          // produced is on B's disk: B comes back (as systemd restarts it) and sends it.
          assert.notEqual(await b.stop("SIGKILL"), 0);
          await new Promise((r) => setTimeout(r, 2_000));
          b = await startGatewayProcess(configB);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const distinct = () => new Set(out.seen.map((s) => s.headers.__weirId)).size;
      await until(() => distinct() >= total, 120_000, () => `${distinct()} of ${total} in Kafka`);
      checkComplete(out.seen, total);
    } finally {
      await producer.close();
      await out.close();
      await b?.stop("SIGKILL");
      await a.stop("SIGTERM");
      await kafka.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
