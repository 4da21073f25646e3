import assert from "node:assert/strict";
import { ManualClock, type Rec } from "../src/engine/mod.ts";
import {
  branchJson,
  graph,
  mapJson,
  memorySink,
  rec,
  startWith,
  valueOf,
} from "./_engine_helpers.ts";

const g = graph(
  [["source", "source"], ["b", "branch"], ["f", "map"], ["t", "map"], ["c", "concatenate"], [
    "sink",
    "sink",
  ]],
  ["source->b", "b-False->f", "b-True->t", "f->c", "t->c", "c->sink"],
);

Deno.test("Dataflow.setTap() shows each edge's batches, per arm, until it is removed", async () => {
  const sink = memorySink();
  const flow = await startWith(
    g,
    {
      b: branchJson((v) => (v as number) % 2 === 0),
      f: mapJson((v) => `odd ${v}`),
      t: mapJson((v) => `even ${v}`),
    },
    sink,
    { clock: new ManualClock() },
  );
  const seen = new Map<string, unknown[]>();
  flow.setTap((from, to, batch: readonly Rec[]) => {
    const key = `${from}->${to}`;
    seen.set(key, [...(seen.get(key) ?? []), ...batch.map((r) => valueOf(r.data))]);
  });
  await flow.push([rec(1, 1), rec(2, 2), rec(3, 3)]);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(seen.get("source->b"), [1, 2, 3]);
  assert.deepEqual(seen.get("b->t"), [2], "the True arm's edge sees only its records");
  assert.deepEqual(seen.get("b->f"), [1, 3]);
  assert.deepEqual(seen.get("t->c"), ["even 2"]);
  assert.deepEqual((seen.get("c->sink") ?? []).length, 3);

  flow.setTap(undefined);
  seen.clear();
  await flow.push([rec(4, 4)]);
  await flow.close();
  assert.equal(seen.size, 0, "nothing is shown once the tap is removed");
  assert.equal(sink.records.length, 4);
});

Deno.test("Dataflow.setTap(): a tap that throws is removed and the graph goes on", async () => {
  const sink = memorySink();
  const flow = await startWith(
    g,
    { b: branchJson(() => true), f: mapJson((v) => v), t: mapJson((v) => v) },
    sink,
    { clock: new ManualClock() },
  );
  let calls = 0;
  flow.setTap(() => {
    calls++;
    throw new Error("watcher bug");
  });
  await flow.push([rec(1, 1), rec(2, 2)]);
  await flow.push([rec(3, 3)]);
  await flow.close();
  assert.equal(calls, 1);
  assert.deepEqual(sink.values(), [1, 2, 3]);
});
