import assert from "node:assert/strict";
import { jsonLogger, LogThrottle } from "../src/telemetry/mod.ts";

function setup(intervalMs = 10_000) {
  let now = 1_000_000;
  const lines: Array<Record<string, unknown>> = [];
  const log = jsonLogger({ write: (l) => lines.push(JSON.parse(l)), level: "debug" });
  const throttle = new LogThrottle(log, { intervalMs, now: () => now });
  return { lines, throttle, advance: (ms: number) => (now += ms) };
}

Deno.test("LogThrottle writes the first line of a kind, then one summary per interval with a count", () => {
  const { lines, throttle, advance } = setup();
  using _ = throttle;
  for (let i = 0; i < 50; i++) {
    throttle.log("convert", "warn", "record dead-lettered", { operation: "convert", n: i });
    advance(100); // 10 a second for 5 s
  }
  assert.equal(lines.length, 1, "one line while the flood lasts less than an interval");
  assert.deepEqual(lines[0]!.n, 0);
  advance(5_000);
  throttle.flush();
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.msg, "record dead-lettered");
  assert.equal(lines[1]!.repeated, 49, "every held-back line is counted");
  assert.equal(lines[1]!.overSeconds, 10);
  assert.equal(lines[1]!.n, 49, "the summary carries the last line's fields");
  // The flood goes on: counted again, summarised once more.
  for (let i = 0; i < 30; i++) {
    throttle.log("convert", "warn", "record dead-lettered", { n: 100 + i });
    advance(100);
  }
  assert.equal(lines.length, 2);
  advance(10_000);
  throttle.flush();
  assert.equal(lines.length, 3);
  assert.equal(lines[2]!.repeated, 30);
  // Quiet for an interval: forgotten, so the next one is written at once.
  advance(10_000);
  throttle.flush();
  throttle.log("convert", "warn", "record dead-lettered", { n: 999 });
  assert.equal(lines.length, 4);
  assert.equal(lines[3]!.n, 999);
  assert.equal(lines[3]!.repeated, undefined);
});

Deno.test("LogThrottle keeps kinds apart and close() writes what is still counted", () => {
  const { lines, throttle } = setup();
  throttle.log("a", "warn", "first kind");
  throttle.log("b", "warn", "second kind");
  throttle.log("a", "warn", "first kind");
  throttle.log("a", "warn", "first kind");
  assert.deepEqual(lines.map((l) => l.msg), ["first kind", "second kind"]);
  throttle.close();
  assert.equal(lines.length, 3);
  assert.equal(lines[2]!.msg, "first kind");
  assert.equal(lines[2]!.repeated, 2);
});

Deno.test("LogThrottle summarises on its own timer once the interval ends", async () => {
  const lines: Array<Record<string, unknown>> = [];
  const log = jsonLogger({ write: (l) => lines.push(JSON.parse(l)) });
  using throttle = new LogThrottle(log, { intervalMs: 50 });
  for (let i = 0; i < 5; i++) throttle.log("k", "warn", "again");
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.repeated, 4);
});
