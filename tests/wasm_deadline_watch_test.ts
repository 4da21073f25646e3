/**
 * The host's deadline watch over an isolated module, driven through the
 * shared slots as a worker writes them: its own time counts, time blocked in
 * a host call does not (up to the cap), and a worker that moves on gets a new
 * period. And the watch over stopped workers that may still be running.
 */
import assert from "node:assert/strict";
import { jsonLogger, Metrics } from "../src/telemetry/mod.ts";
import {
  HOST_WAIT_MS,
  IN_HOST_CALL,
  ITEM,
  PROGRESS_BYTES,
  REPLIED,
  STUCK_WORKERS_METRIC,
  StuckWorkers,
  watchDeadline,
} from "../src/wasm/mod.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A watch over fresh slots, recording when and why it expired. */
function watched(deadlineMs: number, hostWaitCapMs: number, firstItemMs?: number) {
  const slots = new Int32Array(new SharedArrayBuffer(PROGRESS_BYTES));
  const started = performance.now();
  const result: { at?: number; reason?: string; after?: number } = {};
  const bounds = { deadlineMs, hostWaitCapMs, ...(firstItemMs ? { firstItemMs } : {}) };
  const stop = watchDeadline(slots, bounds, (at, reason) => {
    Object.assign(result, { at, reason, after: performance.now() - started });
  });
  return { slots, started, result, stop };
}

/** Blocks "in a host call" for `ms`, writing the slots as HostWaitMeter does. */
async function hostCall(slots: Int32Array, ms: number): Promise<void> {
  const t = performance.now();
  Atomics.store(slots, IN_HOST_CALL, 1);
  await sleep(ms);
  Atomics.add(slots, HOST_WAIT_MS, Math.round(performance.now() - t));
  Atomics.store(slots, IN_HOST_CALL, 0);
}

Deno.test("deadline watch: a module that works past its deadline on one item is stopped", async () => {
  const w = watched(100, 0);
  Atomics.store(w.slots, ITEM, 3);
  await sleep(400);
  w.stop();
  assert.equal(w.result.at, 3);
  assert.equal(w.result.reason, "Module exceeded its 100 ms deadline");
  assert.ok(w.result.after! >= 100, `expired after ${w.result.after} ms`);
});

Deno.test("deadline watch: time blocked in a host call is not the module's", async () => {
  const w = watched(200, 10_000);
  await hostCall(w.slots, 700);
  const callEnded = performance.now() - w.started;
  // 700 ms of wall time, more than three deadlines, and the module has not been stopped.
  assert.equal(w.result.reason, undefined, `stopped while blocked: ${w.result.reason}`);
  // Its own time starts counting again once the call is over.
  await sleep(700);
  w.stop();
  assert.match(w.result.reason ?? "", /^Module exceeded its 200 ms deadline \(not counting \d+ ms/);
  assert.ok(
    w.result.after! - callEnded >= 150,
    `stopped ${w.result.after! - callEnded} ms after the call ended`,
  );
});

Deno.test("deadline watch: host calls count once they pass the cap", async () => {
  const w = watched(100, 300);
  // A module calling the host in a loop: each call is short, together they never end.
  const until = performance.now() + 3000;
  while (w.result.reason === undefined && performance.now() < until) await hostCall(w.slots, 40);
  w.stop();
  assert.match(w.result.reason ?? "", /^Module exceeded its 100 ms deadline \(not counting 300 ms/);
  assert.ok(w.result.after! < 2000, `stopped only after ${w.result.after} ms`);
});

Deno.test("deadline watch: a worker that moves to later items is not stopped", async () => {
  const w = watched(400, 0);
  for (let i = 1; i <= 10; i++) {
    await sleep(80);
    Atomics.store(w.slots, ITEM, i);
  }
  w.stop();
  assert.equal(w.result.reason, undefined);
});

Deno.test("deadline watch: a fresh worker's first item gets its allowance, the next the deadline", async () => {
  const w = watched(150, 0, 800);
  await sleep(400);
  // Past the deadline, within the first item's allowance.
  assert.equal(w.result.reason, undefined, `stopped on the first item: ${w.result.reason}`);
  Atomics.store(w.slots, ITEM, 1);
  await sleep(1200);
  w.stop();
  assert.equal(w.result.at, 1);
  assert.equal(w.result.reason, "Module exceeded its 150 ms deadline");
});

Deno.test("deadline watch: a first item past its allowance is stopped, and says why", async () => {
  const w = watched(50, 0, 200);
  await sleep(500);
  w.stop();
  assert.equal(w.result.at, 0);
  assert.equal(
    w.result.reason,
    "Module exceeded its 200 ms deadline (a fresh worker's first record)",
  );
  assert.ok(w.result.after! >= 200, `expired after ${w.result.after} ms`);
});

/** A stuck-worker watch over fresh slots, with what it logged and counted. */
function stuckWatch(stuckAfterMs: number) {
  const logs: string[] = [];
  const metrics = new Metrics();
  const labels = { graph: "g", operation: "op" };
  const watch = new StuckWorkers(
    jsonLogger({ write: (l) => logs.push(l) }),
    metrics,
    labels,
    stuckAfterMs,
  );
  const gauge = () => metrics.gauges().find((g) => g.name === STUCK_WORKERS_METRIC)?.value;
  return { watch, logs, gauge };
}

Deno.test("stuck workers: a stopped worker that never replies is counted and logged once", async () => {
  const { watch, logs, gauge } = stuckWatch(100);
  const slots = new Int32Array(new SharedArrayBuffer(PROGRESS_BYTES));
  watch.add(slots.buffer as SharedArrayBuffer);
  await sleep(50);
  assert.equal(gauge(), undefined, "counted before its time");
  await sleep(400);
  assert.equal(gauge(), 1);
  assert.equal(watch.stuck, 1);
  assert.equal(logs.filter((l) => l.includes("did not stop after its deadline")).length, 1);
  // It finishes after all (a slow item, not an endless loop): no longer counted.
  Atomics.store(slots, REPLIED, 1);
  await sleep(300);
  assert.equal(gauge(), 0);
  watch.close();
});

Deno.test("stuck workers: a stopped worker that replies in time is never counted", async () => {
  const { watch, logs, gauge } = stuckWatch(300);
  const slots = new Int32Array(new SharedArrayBuffer(PROGRESS_BYTES));
  watch.add(slots.buffer as SharedArrayBuffer);
  Atomics.store(slots, REPLIED, 1);
  await sleep(600);
  assert.equal(gauge(), undefined);
  assert.deepEqual(logs, []);
  watch.close();
});
