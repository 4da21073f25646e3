// deno-lint-ignore-file no-console -- a bench script reports on standard output
/**
 * The load side of the hot-swap bench, in its own process so that publishing
 * and collecting do not compete with the gateway's event loop: publishes a
 * steady QoS 1 stream, collects the outputs, then prints one JSON object with
 * per-message wall-clock send times, latencies and arrival counts.
 *
 * Run by tests/bench/hot_swap_bench.ts: `_load.ts <broker url> <rate> <total>`.
 */
import { collect, steadyStream, until } from "../_stream.ts";

const [url, rateText, totalText] = Deno.args;
const rate = Number(rateText);
const total = Number(totalText);
const sentAt = new Map<number, number>();
const out = await collect(url!, "out/bench", sentAt);
// Tell the parent when publishing starts and how far it is, on stderr.
const progress = setInterval(() => console.error(`sent ${sentAt.size}`), 250);
await steadyStream(url!, "in/sensor", { rate, total, sentAt });
clearInterval(progress);
console.error(`sent ${sentAt.size}`);
await until(() => out.counts.size === total, 30_000);
await out.stop();
const wallOffset = performance.timeOrigin;
const rows = [...sentAt].map(([i, t]) => [
  Math.round((wallOffset + t) * 1000) / 1000,
  out.latencyMs.get(i) ?? -1,
  out.counts.get(i) ?? 0,
]);
console.log(JSON.stringify({ rows, byVersion: Object.fromEntries(out.byVersion) }));
Deno.exit(0);
