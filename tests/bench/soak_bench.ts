// deno-lint-ignore-file no-console -- a bench script reports on standard output
/**
 * Soak: the gateway runs for 10 minutes at 2,000 msg/s QoS 1 (the temperature
 * graph, local broker → upstream broker) through a 60 s upstream outage and
 * three kill -9 restarts, and this script counts what came out: messages
 * sent, delivered, lost (must be 0), duplicated (only with the same
 * `__weirId`), and the gateway's resident memory at start and end.
 *
 *   deno run -A tests/bench/soak_bench.ts            # 600 s at 2,000 msg/s
 *   SOAK_SECONDS=120 RATE=1000 deno run -A tests/bench/soak_bench.ts
 *
 * The gateway is its own process (the real runtime, as `weir start` runs);
 * the publisher and collector share this one. Timeline, as fractions of the
 * run: kill -9 at 0.2, 0.4 and 0.7; upstream down from 0.5 for 60 s (or a
 * tenth of the run if shorter). It ends with one JSON line.
 */
import { join } from "node:path";
import mqtt from "mqtt";
import {
  type GatewayProcess,
  startGatewayProcess,
  writeGatewayConfig,
} from "../_gateway_process.ts";
import { startMosquitto } from "../_mosquitto.ts";
import { ROOT } from "../_samples.ts";
import { until } from "../_stream.ts";

const SECONDS = Number(Deno.env.get("SOAK_SECONDS") ?? 600);
const RATE = Number(Deno.env.get("RATE") ?? 2000);
const OUTAGE_S = Math.min(60, Math.round(SECONDS / 10));

function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const local = await startMosquitto();
// Sessions survive the upstream restart, so the collector misses nothing while it is down.
const upstream = await startMosquitto({ persistence: true, logNotices: true });
const dir = await Deno.makeTempDir({ prefix: "weir-soak-" });
const config = await writeGatewayConfig(
  dir,
  `endpoints:
  local: { url: "${local.url}", clientId: weir-soak-local }
  upstream: { url: "${upstream.url}", clientId: weir-soak-upstream }
dataflows:
  convert:
    source: { endpoint: local, topics: ["sensors/#"] }
    graph: { file: ${join(ROOT, "graphs/temperature.yaml")} }
    destination: { endpoint: upstream, topic: "plant/converted" }
dataDir: ${join(dir, "data")}
logging: { level: error }
`,
);

const counts = new Map<number, number>();
const idOf = new Map<number, string>();
let foreignDuplicates = 0;
let received = 0;
const sub = await mqtt.connectAsync(upstream.url, {
  protocolVersion: 5,
  clientId: "soak-sub",
  clean: false,
  reconnectPeriod: 200,
  properties: { sessionExpiryInterval: 3600, receiveMaximum: 65535 },
});
sub.on("message", (_t, payload, packet) => {
  received++;
  const value = JSON.parse(payload.toString()).temperature.value as number;
  const id = String(packet.properties?.userProperties?.["__weirId"] ?? "");
  const seen = idOf.get(value);
  if (seen !== undefined && seen !== id) foreignDuplicates++;
  idOf.set(value, id);
  counts.set(value, (counts.get(value) ?? 0) + 1);
});
await sub.subscribeAsync("plant/#", { qos: 1 });

let gateway: GatewayProcess = await startGatewayProcess(config);
await new Promise((r) => setTimeout(r, 2_000));
const rssStart = rssMiB(gateway.child.pid);
const pub = await mqtt.connectAsync(local.url, { protocolVersion: 5, clientId: "soak-pub" });

const events: string[] = [];
const note = (what: string) => {
  events.push(`${((performance.now() - t0) / 1000).toFixed(1)}s ${what}`);
  console.error(events.at(-1));
};
const kills = [0.2, 0.4, 0.7].map((f) => f * SECONDS * 1000);
const outageAt = 0.5 * SECONDS * 1000;
let outage: Promise<void> | undefined;
const t0 = performance.now();
let sent = 0;
const inFlight: Promise<unknown>[] = [];
const total = SECONDS * RATE;
const restarts: Promise<void>[] = [];
while (sent < total) {
  const elapsed = performance.now() - t0;
  if (kills.length > 0 && elapsed >= kills[0]!) {
    kills.shift();
    const old = gateway;
    restarts.push((async () => {
      note(`kill -9 (rss ${rssMiB(old.child.pid).toFixed(0)} MiB)`);
      await old.stop("SIGKILL");
      gateway = await startGatewayProcess(config);
      note("restarted");
    })());
  }
  if (outage === undefined && elapsed >= outageAt) {
    note(`upstream down for ${OUTAGE_S} s`);
    outage = upstream.restart(OUTAGE_S * 1000).then(() => note("upstream back"));
  }
  const due = Math.min(total, Math.floor((elapsed / 1000) * RATE));
  for (; sent < due; sent++) {
    inFlight.push(pub.publishAsync(
      "sensors/line-1",
      JSON.stringify({ temperature: { value: sent, unit: "C" } }),
      { qos: 1, properties: { userProperties: { __ts: `${Date.now()}:${sent % 100_000}:dev` } } },
    ));
  }
  if (inFlight.length > 5_000) await Promise.all(inFlight.splice(0));
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.all(inFlight);
await Promise.all(restarts);
await outage;
note(`all ${sent} sent; waiting for the rest`);
await until(() => counts.size === sent, 180_000);
await new Promise((r) => setTimeout(r, 2_000)); // late duplicates, if any
const rssEnd = rssMiB(gateway.child.pid);
// Mosquitto drops QoS 1 messages for a subscriber whose queue is full (max_queued_messages):
// such losses are the collector's broker, not the gateway; count what it says it dropped.
const brokerLog = upstream.log().split("\n");
const brokerDropWarnings = brokerLog.filter((l) => /dropped/i.test(l)).length;
// A broker that cannot save its sessions ("Error: Permission denied") loses what it held at the stop.
const brokerErrors = brokerLog.filter((l) => /Error:/.test(l)).length;
let lost = 0;
let duplicated = 0;
for (let i = 0; i < sent; i++) {
  const n = counts.get(i) ?? 0;
  if (n === 0) lost++;
  if (n > 1) duplicated += n - 1;
}
/** The first ten runs of lost readings, as "first-last", to place a loss on the timeline. */
function lostRanges(): string[] {
  const ranges: string[] = [];
  for (let i = 0; i < sent && ranges.length < 10; i++) {
    if (counts.has(i)) continue;
    let j = i;
    while (j + 1 < sent && !counts.has(j + 1)) j++;
    ranges.push(`${i}-${j}`);
    i = j;
  }
  return ranges;
}

const result = {
  seconds: SECONDS,
  rate: RATE,
  sent,
  delivered: counts.size,
  received,
  lost,
  duplicated,
  duplicatesWithAnotherId: foreignDuplicates,
  lostRanges: lostRanges(),
  brokerDropWarnings,
  brokerErrors,
  rssStartMiB: Math.round(rssStart),
  rssEndMiB: Math.round(rssEnd),
  events,
};
console.log(JSON.stringify(result));
await pub.endAsync();
await sub.endAsync();
await gateway.stop("SIGTERM");
await local.stop();
await upstream.stop();
await Deno.remove(dir, { recursive: true }).catch(() => {});
Deno.exit(lost === 0 && foreignDuplicates === 0 ? 0 : 1);
