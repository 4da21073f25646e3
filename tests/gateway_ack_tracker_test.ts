import assert from "node:assert/strict";
import { hlc, HLC_MAX } from "../src/base/mod.ts";
import { AckTracker } from "../src/gateway/mod.ts";

Deno.test("AckTracker acknowledges a message only when every sink has passed its time", () => {
  const acked: string[] = [];
  const t = new AckTracker(["a", "b"]);
  t.add(hlc(10), () => acked.push("m10"));
  t.add(hlc(5), () => acked.push("m5"));
  t.add(hlc(20), () => acked.push("m20"));
  t.progress("a", hlc(15));
  assert.equal(acked.length, 0, "sink b has not moved");
  t.progress("b", hlc(11));
  assert.deepEqual(acked, ["m5", "m10"]);
  assert.equal(t.size, 1);
  t.progress("a", HLC_MAX);
  t.progress("b", HLC_MAX);
  assert.deepEqual(acked, ["m5", "m10", "m20"]);
  t.add(hlc(30), () => acked.push("late arrival after the end"));
  assert.equal(acked.at(-1), "late arrival after the end");
});

Deno.test("AckTracker keeps a message at exactly the frontier until the frontier passes it", () => {
  const acked: number[] = [];
  const t = new AckTracker(["s"]);
  t.add(hlc(10, 0, "n"), () => acked.push(1));
  t.progress("s", hlc(10, 0, "n"));
  assert.equal(acked.length, 0);
  t.progress("s", hlc(10, 1, "n"));
  assert.deepEqual(acked, [1]);
});
