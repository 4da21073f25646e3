// deno-lint-ignore-file no-console -- a bench process reports on standard output
/**
 * The load generator of one bench cell, in a process of its own so that it
 * does not share an event loop with the system under test: a publisher on
 * `bench/in` and a subscriber on `bench/out`, one JSON plan in, JSON lines out
 * (`{"event":"steady-start"}`, `{"event":"steady-end"}`, then the result).
 *
 * "max" cells run a closed loop: at most `inflight` messages between the
 * publisher and the output (for windows: between the publisher and the
 * records the window took in, read from the gateway's /metrics), so the measured rate is what the
 * system sustains, not a broker queue filling up. Fixed-rate cells publish on
 * schedule whatever comes back.
 *
 *   load.ts '<LoadPlan as JSON>'
 *
 * @module
 */
import mqtt from "mqtt";
import { messageMaker, nowMs, readOutput, type Shape } from "./payload.ts";
import { counterTotal, type Latency, Samples } from "./stats.ts";

/** What one cell asks of the load generator. */
export interface LoadPlan {
  readonly url: string;
  readonly qos: 0 | 1;
  /** Messages per second; 0 = as many as the system takes (closed loop). */
  readonly rate: number;
  readonly bytes: number;
  readonly shape: Shape;
  readonly warmupS: number;
  readonly steadyS: number;
  /** The first sequence number: cells never share one, so late strays are told apart. */
  readonly seqBase: number;
  /** Closed loop: messages allowed between publisher and output (or intake). */
  readonly inflight: number;
  /** The gateway's /metrics: dead letters, and the intake of "window" cells (one output per window). */
  readonly metricsUrl?: string;
}

/** What one cell measured. */
export interface LoadResult {
  readonly sent: number;
  /** Published during the steady interval, per second. */
  readonly offeredPerS: number;
  /** Delivered (windows: taken in by the gateway) during the steady interval, per second. */
  readonly deliveredPerS: number;
  /** Unique outputs (windows: the inputs their counts add up to). */
  readonly received: number;
  readonly duplicates: number;
  /** Outputs that belong to no message of this cell. */
  readonly stray: number;
  /** Window outputs seen (0 for echo cells). */
  readonly windows: number;
  /** sent − received, after waiting for stragglers. */
  readonly loss: number;
  /** Closed loop only: messages given up on after a stall of a second (lost in flight). */
  readonly writtenOff: number;
  /** Records the gateway dead-lettered during the cell (NaN for other systems). */
  readonly deadLettered: number;
  readonly latency: Latency;
  readonly steadyS: number;
}

const PUBLISH_WINDOW = 500; // unacknowledged publishes; mqtt.js warns past 1000
/**
 * Records taken into a window: what entered the window's delay (it holds them until the window
 * closes, so the accumulate behind it counts them only then).
 */
const INTAKE_METRIC =
  'weir_operation_records_in_total{dataflow="bench",operation="module-window/delay"}';
const DEAD_LETTER_METRIC = "weir_operation_dead_lettered_total";

const plan = JSON.parse(Deno.args[0]!) as LoadPlan;
const emit = (line: object) => console.log(JSON.stringify(line));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const sub = await mqtt.connectAsync(plan.url, {
  protocolVersion: 5,
  clientId: `bench-sub-${plan.seqBase}`,
  properties: { receiveMaximum: 65535 },
});
const pub = await mqtt.connectAsync(plan.url, {
  protocolVersion: 5,
  clientId: `bench-pub-${plan.seqBase}`,
});

// What arrives.
const probeSeq = plan.seqBase - 1;
let probed = false;
let seen = new Uint8Array(1 << 16);
let unique = 0;
let duplicates = 0;
let stray = 0;
let windows = 0;
let windowInputs = 0;
let arrivalsInSteady = 0;
let lastArrival = nowMs();
let steady: { from: number; to: number } | undefined;
const latencies = new Samples();
let wake: (() => void) | undefined;
const poke = () => {
  const w = wake;
  wake = undefined;
  w?.();
};
let sent = 0;

/** A window's end: the time its output carries in `__ts` (AIO's HLC, "<ms>:<counter>:<node>"). */
function windowEnd(packet: mqtt.IPublishPacket, newestSentMs: number): number {
  const ts = packet.properties?.userProperties?.["__ts"];
  const ms = Number.parseInt(String(Array.isArray(ts) ? ts[0] : ts));
  // Without one: the 10 s boundary after the newest input (it was stamped on arrival).
  return Number.isFinite(ms) ? ms : Math.ceil(newestSentMs / 10_000) * 10_000;
}

sub.on("message", (_topic, payload, packet) => {
  const at = nowMs();
  const out = readOutput(plan.shape, payload);
  if (out === undefined) return void stray++;
  lastArrival = at;
  const inSteady = steady !== undefined && at >= steady.from && at <= steady.to;
  if (plan.shape === "window") {
    windows++;
    windowInputs += out.count;
    if (steady !== undefined && at >= steady.from) {
      latencies.push(at - windowEnd(packet, out.sentMs));
    }
    return poke();
  }
  if (out.count === probeSeq) return void (probed = true);
  const index = out.count - plan.seqBase;
  if (index < 0 || index >= sent) return void stray++;
  if (index >= seen.length) {
    const grown = new Uint8Array(Math.max(seen.length * 2, index + 1));
    grown.set(seen);
    seen = grown;
  }
  if (seen[index] === 1) return void duplicates++;
  seen[index] = 1;
  unique++;
  if (inSteady) arrivalsInSteady++;
  if (steady !== undefined && out.sentMs >= steady.from && out.sentMs <= steady.to) {
    latencies.push(at - out.sentMs);
  }
  poke();
});
await sub.subscribeAsync("bench/out", { qos: plan.qos });

// The gateway's counters: window intake (polled for the closed loop) and dead letters.
let intake = 0;
let deadLetters = NaN;
const readMetrics = async () => {
  if (plan.metricsUrl === undefined) return intake;
  const text = await (await fetch(plan.metricsUrl)).text();
  deadLetters = counterTotal(text, DEAD_LETTER_METRIC);
  return intake = counterTotal(text, INTAKE_METRIC);
};
const intakeAtStart = await readMetrics();
const deadLettersAtStart = deadLetters;
const poller = plan.shape === "window"
  ? setInterval(() => void readMetrics().then(poke).catch(() => {}), 50)
  : undefined;

const make = messageMaker(plan.shape, plan.bytes);

// The system is up when a probe comes back (echo cells; a window would hold it for 10 s).
if (plan.shape === "echo") {
  const deadline = nowMs() + 60_000;
  while (!probed) {
    if (nowMs() > deadline) throw new Error("no probe came back within 60 s");
    pub.publish("bench/in", make(probeSeq, nowMs()), { qos: plan.qos });
    await sleep(250);
  }
}

let publishing = 0;
const publishOne = () => {
  const seq = plan.seqBase + sent++;
  publishing++;
  pub.publish("bench/in", make(seq, nowMs()), { qos: plan.qos }, () => {
    publishing--;
    poke();
  });
};
const progress = () => plan.shape === "echo" ? unique : intake - intakeAtStart;

const start = nowMs();
const steadyFrom = start + plan.warmupS * 1000;
const steadyTo = steadyFrom + plan.steadyS * 1000;
let sentAtSteady = 0;
let intakeAtSteady = 0;
let writtenOff = 0;
let lastProgress = progress();
let lastProgressAt = start;
for (let now = start; now < steadyTo; now = nowMs()) {
  if (steady === undefined && now >= steadyFrom) {
    steady = { from: now, to: steadyTo };
    sentAtSteady = sent;
    intakeAtSteady = await readMetrics();
    emit({ event: "steady-start" });
  }
  if (progress() !== lastProgress) [lastProgress, lastProgressAt] = [progress(), now];
  const due = plan.rate > 0 ? Math.floor(((now - start) * plan.rate) / 1000) + 1 : Infinity;
  const open = () => plan.rate > 0 || sent - progress() - writtenOff < plan.inflight;
  while (sent < due && publishing < PUBLISH_WINDOW && open()) publishOne();
  // A lost message (QoS 0) never comes back: after a second of nothing, stop waiting for it.
  if (!open() && now - lastProgressAt > 1000) {
    writtenOff = sent - progress();
    lastProgressAt = now;
  }
  await new Promise<void>((resolve) => {
    wake = resolve;
    setTimeout(resolve, plan.rate > 0 ? 1 : 5);
  });
}
const sentInSteady = sent - sentAtSteady;
const intakeInSteady = (await readMetrics()) - intakeAtSteady;
emit({ event: "steady-end" });

// Stragglers: until all are back, or nothing came for a while (a window closes up to 10 s
// late), or a backlog of five minutes: what is missing then counts as lost.
const quietMs = plan.shape === "window" ? 16_000 : 15_000;
lastArrival = Math.max(lastArrival, nowMs());
const received = () => plan.shape === "echo" ? unique : windowInputs;
const drainUntil = nowMs() + 300_000;
while (received() < sent && nowMs() - lastArrival < quietMs && nowMs() < drainUntil) {
  await sleep(50);
}
clearInterval(poller);
await readMetrics();
await Promise.all([pub.endAsync(), sub.endAsync()]);

const result: LoadResult = {
  sent,
  offeredPerS: sentInSteady / plan.steadyS,
  deliveredPerS: (plan.shape === "echo" ? arrivalsInSteady : intakeInSteady) / plan.steadyS,
  received: received(),
  duplicates,
  stray,
  windows,
  loss: sent - received(),
  writtenOff,
  deadLettered: deadLetters - deadLettersAtStart,
  latency: latencies.latency(),
  steadyS: plan.steadyS,
};
emit({ event: "result", result });
Deno.exit(0);
