import assert from "node:assert/strict";
import { emptyMessage, hlc } from "../src/base/mod.ts";
import type { Rec } from "../src/engine/mod.ts";
import { AckTracker } from "../src/gateway/mod.ts";

const rec = (ms: number): Rec => ({ time: hlc(ms), data: emptyMessage(hlc(ms)) });

Deno.test("AckTracker acknowledges in origin order, below the lowest origin in flight", () => {
  const acked: number[] = [];
  const t = new AckTracker();
  const first = t.reserve(3);
  assert.equal(first, 0);
  // Event times do not matter: origin 1 is far behind in time and still counts the same.
  t.add(0, rec(50), () => acked.push(0));
  t.add(1, rec(5), () => acked.push(1));
  t.add(2, rec(40), () => acked.push(2));
  assert.equal(t.releaseBelow(1), 1);
  assert.deepEqual(acked, [0]);
  assert.equal(t.size, 2);
  assert.equal(t.releaseBelow(Infinity), 2);
  assert.deepEqual(acked, [0, 1, 2]);
  assert.equal(t.size, 0);
});

Deno.test("AckTracker stops at an origin reserved but not registered yet", () => {
  const acked: number[] = [];
  const t = new AckTracker();
  t.reserve(2); // a batch still waiting to be admitted
  assert.equal(t.reserve(1), 2);
  t.add(2, rec(1), () => acked.push(2));
  assert.equal(t.releaseBelow(Infinity), 0, "origins 0 and 1 are not registered yet");
  t.add(0, rec(1), () => acked.push(0));
  t.add(1, rec(1), () => acked.push(1));
  assert.equal(t.releaseBelow(Infinity), 3);
  assert.deepEqual(acked, [0, 1, 2]);
  assert.throws(() => t.add(1, rec(1), () => {}), /was not reserved or is registered already/);
});

Deno.test("AckTracker.takeAll() hands back what is pending without acknowledging it", () => {
  const acked: number[] = [];
  const t = new AckTracker();
  t.reserve(2);
  t.add(0, rec(7), () => acked.push(0));
  t.add(1, rec(8), () => acked.push(1));
  const taken = t.takeAll();
  assert.deepEqual(taken.map((p) => p.record.time.ms), [7, 8]);
  assert.deepEqual(acked, []);
  assert.equal(t.size, 0);
  assert.equal(t.reserve(1), 2, "origins are never reused");
});
