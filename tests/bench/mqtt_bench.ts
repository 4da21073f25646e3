/**
 * MQTT → graph → MQTT, next to a bare mqtt.js relay (subscribe → publish, no
 * graph) in the same run, against one local mosquitto. 100-byte payloads.
 * Prints throughput (as fast as the publisher can go, 500 messages
 * outstanding) and latency p50/p99 at 1,000 and 10,000 msg/s, QoS 0 and 1.
 *
 * Run: deno run -A --unstable-worker-options tests/bench/mqtt_bench.ts
 * (needs mosquitto — bash .ci/install-services.sh — and the sample modules).
 */
import { join } from "node:path";
import mqtt from "mqtt";
import { parseConfig, startGateway } from "../../src/gateway/mod.ts";
import { silentLogger } from "../../src/telemetry/mod.ts";
import { startMosquitto } from "../_mosquitto.ts";
import { ROOT } from "../_samples.ts";

const PAYLOAD_BYTES = 100;

/** A °F reading padded to 100 bytes; the pad sits inside the reading, which the module ignores. */
function payload(i: number): string {
  const base = JSON.stringify({ temperature: { value: 50 + (i % 40), unit: "F", pad: "" } });
  return base.replace(
    '"pad":""',
    `"pad":"${"x".repeat(Math.max(0, PAYLOAD_BYTES - base.length))}"`,
  );
}

/** A relay: what any MQTT bridge must at least do. */
async function startRelay(url: string, qos: 0 | 1) {
  const c = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `relay-${qos}` });
  c.on(
    "message",
    (_t, p, packet) => c.publish("out/relay", p, { qos, properties: packet.properties ?? {} }),
  );
  await c.subscribeAsync("in/relay", { qos });
  return { stop: () => c.endAsync() };
}

async function startWeir(url: string, qos: 0 | 1, dataDir: string) {
  const config = parseConfig(
    JSON.stringify({
      endpoints: { local: { url, clientId: `weir-bench-${qos}`, qos } },
      dataflows: {
        simple: {
          source: { endpoint: "local", topics: ["in/weir"] },
          graph: { file: join(ROOT, "graphs/temperature.yaml") },
          destination: { endpoint: "local", topic: "out/weir" },
        },
      },
      dataDir,
    }),
    "bench",
  );
  return await startGateway({
    config,
    log: silentLogger,
    modulesDir: join(ROOT, "modules/dist"),
    metricsPort: null,
  });
}

interface Result {
  throughput: number;
  p50: number;
  p99: number;
  received: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** Publishes `count` messages at `rate` msg/s (0 = as fast as possible) and measures what arrives. */
async function drive(
  url: string,
  path: "relay" | "weir",
  qos: 0 | 1,
  count: number,
  rate: number,
): Promise<Result> {
  const sub = await mqtt.connectAsync(url, { protocolVersion: 5 });
  const pub = await mqtt.connectAsync(url, { protocolVersion: 5 });
  const latencies: number[] = [];
  let received = 0;
  let last = 0;
  sub.on("message", (_t, _p, packet) => {
    const t0 = Number(packet.properties?.userProperties?.["t0"]);
    const now = performance.now();
    latencies.push(now - t0);
    received++;
    last = now;
  });
  await sub.subscribeAsync(`out/${path}`, { qos });
  const start = performance.now();
  let outstanding = 0;
  for (let i = 0; i < count; i++) {
    if (rate > 0) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    }
    while (outstanding >= 500) await new Promise((r) => setTimeout(r, 0));
    outstanding++;
    pub.publish(`in/${path}`, payload(i), {
      qos,
      properties: {
        userProperties: { t0: String(performance.now()), __ts: `${Date.now()}:${i}:bench` },
      },
    }, () => outstanding--);
  }
  const deadline = performance.now() + 30_000;
  while (received < count && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 200));
  await pub.endAsync();
  await sub.endAsync();
  latencies.sort((a, b) => a - b);
  return {
    throughput: received / ((last - start) / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    received,
  };
}

const broker = await startMosquitto();
const dataDir = await Deno.makeTempDir({ prefix: "weir-mqtt-bench-" });
const rows: string[] = [];
try {
  for (const qos of [0, 1] as const) {
    const relay = await startRelay(broker.url, qos);
    const weir = await startWeir(broker.url, qos, join(dataDir, `q${qos}`));
    try {
      await drive(broker.url, "weir", qos, 2_000, 0); // warm-up: JIT, worker, caches
      await drive(broker.url, "relay", qos, 2_000, 0);
      for (
        const [label, count, rate] of [["max", 20_000, 0], ["1k/s", 5_000, 1_000], [
          "10k/s",
          30_000,
          10_000,
        ]] as const
      ) {
        const r = await drive(broker.url, "relay", qos, count, rate);
        const w = await drive(broker.url, "weir", qos, count, rate);
        rows.push(
          `| QoS ${qos} | ${label} | ${r.throughput.toFixed(0)} | ${r.p50.toFixed(2)} | ${
            r.p99.toFixed(2)
          } | ${w.throughput.toFixed(0)} | ${w.p50.toFixed(2)} | ${
            w.p99.toFixed(2)
          } | ${w.received}/${count} | ${(100 * w.throughput / r.throughput).toFixed(0)} % |`,
        );
      }
    } finally {
      await weir.stop();
      await relay.stop();
    }
  }
} finally {
  await broker.stop();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}
// deno-lint-ignore no-console
console.log(
  [
    "| QoS | load | relay msg/s | relay p50 ms | relay p99 ms | Weir msg/s | Weir p50 ms | Weir p99 ms | Weir received | Weir/relay |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n"),
);
