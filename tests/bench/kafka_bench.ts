/**
 * MQTT → one map → Kafka and Kafka → one map → MQTT, Weir next to Benthos
 * (built by ../shared/peers/benthos/build.sh) on the same mosquitto and the
 * same Kafka 4.4.0, in one run. Each side gets N messages (42-byte JSON
 * readings, QoS 1) and the clock stops when the last result is in the
 * destination. Benthos keeps no durable queue; Weir stores every result in
 * its SQLite queue first.
 *
 *   deno run -A --unstable-worker-options tests/bench/kafka_bench.ts [N]     (default 20000)
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { existsSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { Admin, Consumer, Producer } from "@platformatic/kafka";
import { parseConfig, startGateway } from "../../src/gateway/mod.ts";
import { jsonLogger } from "../../src/telemetry/mod.ts";
import { startKafka } from "../_kafka.ts";
import { startMosquitto } from "../_mosquitto.ts";
import { ROOT } from "../_samples.ts";

const N = Number(Deno.args[0] ?? 20_000);
const BENTHOS = `${Deno.env.get("HOME")}/.cache/weir-peers/benthos`;
// The AIO temperature module takes exactly this shape (other fields make it fail the record).
const reading = (i: number) =>
  JSON.stringify({ temperature: { value: 50 + (i % 100), unit: "F" } });

async function countKafka(broker: string, topic: string, n: number): Promise<number> {
  const consumer = new Consumer({
    clientId: "bench-r",
    groupId: `r-${crypto.randomUUID()}`,
    bootstrapBrokers: [broker],
  });
  const stream = await consumer.consume({ topics: [topic], mode: "earliest", autocommit: false });
  // The temperature module keeps only the reading, so results are counted, not matched.
  let seen = 0;
  await new Promise<void>((resolve) => {
    stream.on("data", () => {
      if (++seen === n) resolve();
    });
  });
  const at = performance.now();
  await stream.close();
  await consumer.close(true);
  return at;
}

async function mqttToKafka(mqttUrl: string, broker: string, inTopic: string, outTopic: string) {
  const pub = await mqtt.connectAsync(mqttUrl, {
    protocolVersion: 5,
    clientId: `bench-pub-${inTopic}`,
  });
  const done = countKafka(broker, outTopic, N);
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) {
    await Promise.all(
      [...Array(Math.min(500, N - i)).keys()].map((j) =>
        pub.publishAsync(inTopic, reading(i + j), { qos: 1 })
      ),
    );
  }
  const end = await done;
  await pub.endAsync();
  return N / ((end - t0) / 1000);
}

async function kafkaToMqtt(mqttUrl: string, broker: string, inTopic: string, outTopic: string) {
  const sub = await mqtt.connectAsync(mqttUrl, {
    protocolVersion: 5,
    clientId: `bench-sub-${outTopic}`,
  });
  let seen = 0;
  let end = 0;
  const done = new Promise<void>((resolve) =>
    sub.on("message", () => {
      if (++seen >= N && end === 0) {
        end = performance.now();
        resolve();
      }
    })
  );
  await sub.subscribeAsync(outTopic, { qos: 1 });
  const producer = new Producer({
    clientId: "bench-p",
    bootstrapBrokers: [broker],
    idempotent: true,
  });
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1000) {
    await producer.send({
      messages: [...Array(Math.min(1000, N - i)).keys()].map((j) => ({
        topic: inTopic,
        value: Buffer.from(reading(i + j)),
      })),
    });
  }
  await done;
  await producer.close();
  await sub.endAsync();
  return N / ((end - t0) / 1000);
}

const kafka = await startKafka();
const broker = await startMosquitto();
const dataDir = await Deno.makeTempDir({ prefix: "weir-kbench-" });
const admin = new Admin({ clientId: "bench-a", bootstrapBrokers: [kafka.broker] });
await admin.createTopics({
  topics: ["weir-out", "benthos-out", "weir-in", "benthos-in"],
  partitions: 1,
  replicas: 1,
});
await admin.close();
const results: Record<string, number> = {};
/** A run that does not finish within 120 s reports 0. */
function bounded(p: Promise<number>): Promise<number> {
  return Promise.race([p, new Promise<number>((r) => setTimeout(() => r(0), 120_000))]);
}
try {
  const gateway = await startGateway({
    config: parseConfig(
      JSON.stringify({
        endpoints: {
          local: { url: broker.url, clientId: "weir-bench" },
          bus: { kind: "kafka", brokers: [kafka.broker] },
        },
        dataflows: {
          "to-kafka": {
            source: { endpoint: "local", topics: ["in/weir"] },
            graph: { file: join(ROOT, "graphs/temperature.yaml") },
            destination: { endpoint: "bus", topic: "weir-out" },
          },
          "from-kafka": {
            source: { endpoint: "bus", topics: ["weir-in"] },
            graph: { file: join(ROOT, "graphs/temperature.yaml") },
            destination: { endpoint: "local", topic: "out/weir" },
          },
        },
        dataDir,
      }),
      "bench",
    ),
    log: jsonLogger({ level: "error", write: () => {} }),
    modulesDir: join(ROOT, "modules/dist"),
    metricsPort: null,
  });
  results["Weir MQTT → map → Kafka"] = await bounded(
    mqttToKafka(broker.url, kafka.broker, "in/weir", "weir-out"),
  );
  // deno-lint-ignore no-console
  console.error("done: Weir MQTT → Kafka");
  results["Weir Kafka → map → MQTT"] = await bounded(
    kafkaToMqtt(broker.url, kafka.broker, "weir-in", "out/weir"),
  );
  // deno-lint-ignore no-console
  console.error("done: Weir Kafka → MQTT");
  await gateway.stop();
  if (existsSync(BENTHOS)) {
    const mapping = `root = this
root.temperature.value = (this.temperature.value - 32) * 5 / 9
root.temperature.unit = "C"`;
    const config = (input: string, output: string) =>
      `input: ${input}\npipeline:\n  processors:\n    - mapping: |\n${
        mapping.split("\n").map((l) => `        ${l}`).join("\n")
      }\noutput: ${output}\nhttp: { enabled: false }\nlogger: { level: WARN }\n`;
    const hostPort = broker.url.replace("mqtt://", "");
    const runs: Array<[string, string, () => Promise<number>]> = [
      [
        "Benthos MQTT → map → Kafka",
        config(
          `{ mqtt: { urls: ["tcp://${hostPort}"], topics: ["in/benthos"], client_id: benthos-in, qos: 1 } }`,
          `{ kafka_franz: { seed_brokers: ["${kafka.broker}"], topic: benthos-out } }`,
        ),
        () => mqttToKafka(broker.url, kafka.broker, "in/benthos", "benthos-out"),
      ],
      [
        "Benthos Kafka → map → MQTT",
        config(
          `{ kafka_franz: { seed_brokers: ["${kafka.broker}"], topics: [benthos-in], consumer_group: benthos } }`,
          `{ mqtt: { urls: ["tcp://${hostPort}"], topic: "out/benthos", client_id: benthos-out, qos: 1 } }`,
        ),
        () => kafkaToMqtt(broker.url, kafka.broker, "benthos-in", "out/benthos"),
      ],
    ];
    for (const [name, yaml, run] of runs) {
      const file = join(dataDir, `${name.length}.yaml`);
      await Deno.writeTextFile(file, yaml);
      const child = new Deno.Command(BENTHOS, {
        args: ["-c", file],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await new Promise((r) => setTimeout(r, 2000));
      try {
        results[name] = await bounded(run());
        // deno-lint-ignore no-console
        console.error(`done: ${name}`);
      } finally {
        child.kill("SIGKILL");
        await child.status;
      }
    }
  } else {
    results["Benthos (not built: bash ../shared/peers/benthos/build.sh)"] = 0;
  }
} finally {
  await broker.stop();
  await kafka.stop();
  await Deno.remove(dataDir, { recursive: true });
}
for (const [name, rate] of Object.entries(results)) {
  // deno-lint-ignore no-console
  console.log(`${name.padEnd(32)} ${Math.round(rate).toLocaleString("en")} msg/s (${N} messages)`);
}
