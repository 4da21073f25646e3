import assert from "node:assert/strict";
import {
  compareHlc,
  formatHlc,
  type Hlc,
  hlc,
  HLC_COUNTER_MAX,
  HlcClock,
  hlcToTimespec,
  parseHlc,
  timespecToMs,
} from "../src/base/mod.ts";

function parsed(text: string): Hlc {
  const v = parseHlc(text);
  if (typeof v === "string") throw new Error(v);
  return v;
}

Deno.test("parseHlc() reads padded and unpadded __ts values (T26)", () => {
  assert.deepEqual(parsed("001758255553528:00000:nodeA"), {
    ms: 1758255553528,
    counter: 0,
    node: "nodeA",
  });
  assert.deepEqual(parsed("1758255553000:0:df"), { ms: 1758255553000, counter: 0, node: "df" });
  assert.deepEqual(hlcToTimespec(parsed("1758255553000:0:df")), { secs: 1758255553, nanos: 0 });
  // Node ids may contain colons; only the first two separate fields.
  assert.deepEqual(parsed("5:7:a:b"), { ms: 5, counter: 7, node: "a:b" });
});

Deno.test("parseHlc() explains what is wrong with a malformed value", () => {
  assert.match(parseHlc("12345") as string, /expected "ms:counter:node"/);
  assert.match(parseHlc("abc:0:n") as string, /time "abc" is not a whole number/);
  assert.match(parseHlc("1:-1:n") as string, /counter "-1" is not a whole number/);
  assert.match(parseHlc("99999999999999999999:0:n") as string, /out of range/);
});

Deno.test("formatHlc() pads to 15 and 5 digits and round-trips", () => {
  const v = hlc(1758255553528, 3, "gw");
  assert.equal(formatHlc(v), "001758255553528:00003:gw");
  assert.deepEqual(parsed(formatHlc(v)), v);
});

Deno.test("compareHlc() orders by time, then counter, then node id", () => {
  const sorted = [hlc(2, 0, "a"), hlc(1, 5, "z"), hlc(1, 5, "b"), hlc(1, 0, "z")]
    .sort(compareHlc)
    .map(formatHlc);
  assert.deepEqual(sorted, [
    "000000000000001:00000:z",
    "000000000000001:00005:b",
    "000000000000001:00005:z",
    "000000000000002:00000:a",
  ]);
});

Deno.test("hlc() and timespecToMs() round to whole milliseconds", () => {
  assert.equal(hlc(1.9).ms, 1);
  assert.equal(timespecToMs({ secs: 1758255553, nanos: 528_123_456 }), 1758255553528);
});

Deno.test("HlcClock.updateNow() follows the wall clock or bumps the counter", () => {
  let now = 1000;
  const clock = new HlcClock("me", { now: () => now });
  assert.deepEqual(clock.updateNow(), { ms: 1000, counter: 1, node: "me" });
  now = 1005;
  assert.deepEqual(clock.updateNow(), { ms: 1005, counter: 0, node: "me" });
  now = 1001; // wall clock stepped back: time holds, counter moves
  assert.deepEqual(clock.updateNow(), { ms: 1005, counter: 1, node: "me" });
});

Deno.test("HlcClock.update() merges a remote value as the AIO SDK does", () => {
  let now = 1000;
  const clock = new HlcClock("me", { now: () => now });
  // remote ahead of us and of the wall clock: take its time, its counter + 1
  assert.deepEqual(clock.update(hlc(1010, 4, "other")), { ms: 1010, counter: 5, node: "me" });
  // same time: max counter + 1
  assert.deepEqual(clock.update(hlc(1010, 9, "other")), { ms: 1010, counter: 10, node: "me" });
  // ours is later: counter + 1
  assert.deepEqual(clock.update(hlc(1002, 50, "other")), { ms: 1010, counter: 11, node: "me" });
  // the wall clock passed both: reset
  now = 2000;
  assert.deepEqual(clock.update(hlc(1500, 1, "other")), { ms: 2000, counter: 0, node: "me" });
  // from the same node: unchanged
  assert.deepEqual(clock.update(hlc(9999, 1, "me")), { ms: 2000, counter: 0, node: "me" });
});

Deno.test("HlcClock.distrust() refuses a time beyond the drift or a counter it cannot carry", () => {
  const clock = new HlcClock("me", { now: () => 0, maxDriftMs: 60_000 });
  assert.match(
    clock.distrust(hlc(60_001, 0, "x"))!,
    /60001 ms ahead of the wall clock; at most 60000/,
  );
  assert.match(
    clock.distrust(hlc(5, 9007199254740989, "x"))!,
    /counter "9007199254740989" is above/,
  );
  assert.equal(clock.distrust(hlc(60_000, HLC_COUNTER_MAX, "x")), undefined);
  // update() leaves the clock untouched by what distrust() refuses, and never throws
  assert.deepEqual(clock.update(hlc(60_001, 0, "x")), { ms: 0, counter: 0, node: "me" });
  assert.deepEqual(clock.update(hlc(5, 9007199254740989, "x")), { ms: 0, counter: 0, node: "me" });
  assert.deepEqual(clock.update(hlc(60_000, 0, "x")), { ms: 60_000, counter: 1, node: "me" });
});

Deno.test("HlcClock never throws: an exhausted counter moves the physical part forward", () => {
  const now = 1000;
  const clock = new HlcClock("me", { now: () => now });
  // A trusted remote value at the top of the counter range.
  assert.deepEqual(clock.update(hlc(1000, HLC_COUNTER_MAX, "x")), {
    ms: 1001,
    counter: 0,
    node: "me",
  });
  assert.deepEqual(clock.update(hlc(1001, HLC_COUNTER_MAX, "x")), {
    ms: 1002,
    counter: 0,
    node: "me",
  });
  for (let i = 0; i < 5; i++) clock.updateNow();
  assert.deepEqual(clock.current, { ms: 1002, counter: 5, node: "me" });
});

Deno.test("HlcClock.distrust() refuses what is not a valid HLC, so update() keeps the clock whole", () => {
  // Found by the hlc-ts fuzz target: a fractional counter or time was merged as it was.
  let now = 1_000;
  const clock = new HlcClock("me", { now: () => now });
  const loose = [
    { ms: 1_000, counter: 0.5, node: "x" },
    { ms: 1_000.5, counter: 1, node: "x" },
    { ms: -1, counter: 1, node: "x" },
    { ms: Number.NaN, counter: 1, node: "x" },
    { ms: 1_000, counter: -1, node: "x" },
    { ms: 1_000, counter: Number.NaN, node: "x" },
    { ms: 1_000, counter: 1, node: 7 as unknown as string },
  ];
  for (const value of loose) {
    assert.ok(clock.distrust(value), JSON.stringify(value));
    assert.deepEqual(clock.update(value), { ms: 1_000, counter: 0, node: "me" });
  }
  assert.match(
    clock.distrust(loose[0]!)!,
    /^HLC counter "0\.5" is not a whole, non-negative number$/,
  );
  assert.match(clock.distrust(loose[1]!)!, /^HLC time "1000\.5" is not a whole/);
  now = 1_001;
  assert.deepEqual(clock.update(hlc(1_001, 3, "x")), { ms: 1_001, counter: 4, node: "me" });
});
