/**
 * Hot swap under a steady 5,000 msg/s QoS 1 stream through the gateway and a
 * local mosquitto: message latency (publish → delivery at the subscriber)
 * before any deploy and inside each swap window (from the deploy request to
 * 500 ms after the new version serves), plus the time from the request to the
 * new version serving and the input pause at the switch. Three swaps: a deploy
 * of an uploaded graph whose modules are cached, a rollback, and a deploy again.
 *
 * Run: deno run -A --unstable-worker-options tests/bench/hot_swap_bench.ts
 * (needs mosquitto — bash .ci/install-services.sh — and the sample modules).
 */
import { join } from "node:path";
import { parseConfig } from "../../src/config/mod.ts";
import { type DeployResult, startGateway } from "../../src/gateway/mod.ts";
import { silentLogger } from "../../src/telemetry/mod.ts";
import { startMosquitto } from "../_mosquitto.ts";
import { ROOT } from "../_samples.ts";
import { until } from "../_stream.ts";

const RATE = Number(Deno.env.get("RATE") ?? 5_000);
const GRAPH = join(ROOT, "graphs/temperature.yaml");

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(values: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? NaN };
}

const broker = await startMosquitto();
const dataDir = await Deno.makeTempDir({ prefix: "weir-swap-bench-" });
const config = parseConfig(
  JSON.stringify({
    endpoints: { local: { url: broker.url, clientId: "weir-swap-bench" } },
    dataflows: {
      flow: {
        source: { endpoint: "local", topics: ["in/#"] },
        graph: { file: GRAPH },
        destination: { endpoint: "local", topic: "out/bench" },
      },
    },
    dataDir,
  }),
  "bench",
);
const gateway = await startGateway({
  config,
  log: silentLogger,
  modulesDir: join(ROOT, "modules/dist"),
  metricsPort: null,
});
const v2 = (await Deno.readTextFile(GRAPH)).replaceAll("temperature/map", "temperature/map-v2");

const total = RATE * 14;
// The load runs in its own process; its stderr says how many messages it has sent.
const load = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", join(ROOT, "tests/bench/_load.ts"), broker.url, String(RATE), String(total)],
  stdout: "piped",
  stderr: "piped",
}).spawn();
let sent = 0;
(async () => {
  for await (const chunk of load.stderr.pipeThrough(new TextDecoderStream())) {
    const m = /sent (\d+)\s*$/.exec(chunk.trim());
    if (m) sent = Number(m[1]);
  }
})();

type Swap = { label: string; askedAt: number; servingAt: number; result: DeployResult };
const swaps: Swap[] = [];
const wallNow = () => performance.timeOrigin + performance.now();
const swap = async (label: string, run: () => Promise<DeployResult>) => {
  const askedAt = wallNow();
  const result = await run();
  swaps.push({ label, askedAt, servingAt: wallNow(), result });
};
await until(() => sent > RATE * 4, 60_000);
const baselineEnd = wallNow();
await swap("deploy (upload, modules cached)", () => gateway.control.deploy("flow", { yaml: v2 }));
await until(() => sent > RATE * 7, 60_000);
await swap("rollback", () => gateway.control.rollback("flow"));
await until(() => sent > RATE * 10, 60_000);
await swap("deploy again (same graph)", () => gateway.control.deploy("flow", { yaml: v2 }));
const stdout = await new Response(load.stdout).text();
await load.status;
const { rows, byVersion } = JSON.parse(stdout) as {
  rows: Array<[number, number, number]>;
  byVersion: Record<string, number>;
};

const lost = rows.filter(([, , n]) => n === 0).length;
const doubled = rows.filter(([, , n]) => n > 1).length;
const inRange = (from: number, to: number) =>
  rows.filter(([t, latency]) => t >= from && t < to && latency >= 0).map(([, latency]) => latency);
const warm = rows[RATE]![0]; // skip the first second (connections, JIT)
const base = summary(inRange(warm, baselineEnd));
console.log(
  `hot swap under ${RATE} msg/s QoS 1 (${total} messages; lost ${lost}, doubled ${doubled}; ` +
    `served by ${JSON.stringify(byVersion)})`,
);
console.log(
  `baseline (no swap): n=${base.n} p50=${base.p50.toFixed(1)} ms p99=${
    base.p99.toFixed(1)
  } ms max=${base.max.toFixed(1)} ms`,
);
console.log(
  "| swap | request → serving | input pause | window p50 | window p99 | window max | added p99 |",
);
console.log("|---|---|---|---|---|---|---|");
for (const s of swaps) {
  const w = summary(inRange(s.askedAt, s.servingAt + 500));
  console.log(
    `| ${s.label} | ${s.result.totalMs.toFixed(0)} ms | ${s.result.switchMs.toFixed(2)} ms | ${
      w.p50.toFixed(1)
    } ms | ${w.p99.toFixed(1)} ms | ${w.max.toFixed(1)} ms | ${(w.p99 - base.p99).toFixed(1)} ms |`,
  );
}
await gateway.stop();
await broker.stop();
await Deno.remove(dataDir, { recursive: true });
