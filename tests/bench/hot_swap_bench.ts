// deno-lint-ignore-file no-console -- a bench script reports on standard output
/**
 * Hot swap under a steady QoS 1 stream (5,000 msg/s unless RATE says otherwise)
 * through the gateway and a local mosquitto: message latency (publish →
 * delivery at the subscriber, measured in a separate load process) in each swap
 * window (from the deploy request to 500 ms after the new version serves)
 * against the 2 s before it, the time from the request to the new version
 * serving, and the input pause at the switch. Six swaps, 3 s apart: deploys of
 * an uploaded graph whose modules are cached, alternating with rollbacks.
 *
 * Run: deno run -A --unstable-worker-options tests/bench/hot_swap_bench.ts
 *      RATE=2500 deno run -A --unstable-worker-options tests/bench/hot_swap_bench.ts
 * (needs mosquitto — bash .ci/install-services.sh — and the sample modules).
 */
import { join } from "node:path";
import { type DeployResult, parseConfig, startGateway } from "../../src/gateway/mod.ts";
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

const SWAPS = 6;
const total = RATE * (5 + SWAPS * 3);
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
// Every 3 s: a deploy of v2 (an uploaded graph whose modules are cached), then a rollback, ….
for (let k = 0; k < SWAPS; k++) {
  await until(() => sent > RATE * (4 + k * 3), 60_000);
  if (k % 2 === 0) {
    await swap(
      `deploy v2 (upload, modules cached) #${k / 2 + 1}`,
      () => gateway.control.deploy("flow", { yaml: v2 }),
    );
  } else {
    await swap(`rollback #${(k + 1) / 2}`, () => gateway.control.rollback("flow"));
  }
}
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
const base = summary(inRange(warm, swaps[0]!.askedAt));
console.log(
  `hot swap under ${RATE} msg/s QoS 1 (${total} messages; lost ${lost}, doubled ${doubled}; ` +
    `served by ${JSON.stringify(byVersion)})`,
);
console.log(
  `steady state before any swap: n=${base.n} p50=${base.p50.toFixed(1)} ms p99=${
    base.p99.toFixed(1)
  } ms max=${base.max.toFixed(1)} ms`,
);
console.log(
  "| swap | request → serving | input pause | p99 in the 2 s before | window p50 | window p99 | window max | added p99 |",
);
console.log("|---|---|---|---|---|---|---|---|");
const added: number[] = [];
for (const s of swaps) {
  // The swap window: from the request until 500 ms after the new version serves; compared
  // with the 2 s just before it, so drift in the machine's load does not count as the swap's.
  const before = summary(inRange(s.askedAt - 2000, s.askedAt));
  const w = summary(inRange(s.askedAt, s.servingAt + 500));
  added.push(w.p99 - before.p99);
  console.log(
    `| ${s.label} | ${s.result.totalMs.toFixed(0)} ms | ${s.result.switchMs.toFixed(2)} ms | ${
      before.p99.toFixed(1)
    } ms | ${w.p50.toFixed(1)} ms | ${w.p99.toFixed(1)} ms | ${w.max.toFixed(1)} ms | ${
      (w.p99 - before.p99).toFixed(1)
    } ms |`,
  );
}
const servingMs = summary(swaps.map((s) => s.result.totalMs));
const addedSummary = summary(added);
console.log(
  `request → serving: median ${servingMs.p50.toFixed(0)} ms, max ${servingMs.max.toFixed(0)} ms; ` +
    `added p99: median ${addedSummary.p50.toFixed(1)} ms, max ${addedSummary.max.toFixed(1)} ms ` +
    `(goal: added p99 < 50 ms, swap < 1 s)`,
);
await gateway.stop();
await broker.stop();
await Deno.remove(dataDir, { recursive: true });
