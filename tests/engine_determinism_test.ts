import assert from "node:assert/strict";
import { ManualClock, type Rec } from "../src/engine/mod.ts";
import {
  branchJson,
  collect,
  filterJson,
  graph,
  mapJson,
  memorySink,
  rec,
  startWith,
  sum,
  valueOf,
  windowUp,
} from "./_engine_helpers.ts";

/** A small seeded generator so failures can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const g = graph(
  [
    ["source", "source"],
    ["win", "delay"],
    ["b", "branch"],
    ["neg", "map"],
    ["keep", "filter"],
    [
      "c",
      "concatenate",
    ],
    ["acc", "accumulate"],
    ["sink", "sink"],
  ],
  [
    "source->win",
    "win->b",
    "b-True->neg",
    "b-False->keep",
    "neg->c",
    "keep->c",
    "c->acc",
    "acc->sink",
  ],
);

function inputs(seed: number): Rec[][] {
  const r = rng(seed);
  const batches: Rec[][] = [];
  let t = 1_000;
  for (let i = 0; i < 40; i++) {
    const batch: Rec[] = [];
    const n = 1 + Math.floor(r() * 20);
    for (let j = 0; j < n; j++) {
      t += Math.floor(r() * 30);
      batch.push(rec(t, Math.floor(r() * 200) - 100));
    }
    batches.push(batch);
  }
  return batches;
}

async function run(batches: Rec[][], accumulate: "collect" | "sum"): Promise<string[]> {
  const sink = memorySink();
  const flow = await startWith(
    g,
    {
      win: windowUp(100),
      b: branchJson((v) => (v as number) < 0),
      neg: mapJson((v) => -(v as number)),
      keep: filterJson((v) => (v as number) % 3 !== 0),
      acc: accumulate === "collect" ? collect() : sum(),
    },
    sink,
    { clock: new ManualClock(), queueCapacity: 16 },
  );
  for (const b of batches) await flow.push(b);
  await flow.close();
  return sink.records.map((r) => `${r.time.ms}=${JSON.stringify(valueOf(r.data))}`);
}

Deno.test("the same inputs at the same times give the same outputs (property, 25 seeds)", async () => {
  for (let seed = 1; seed <= 25; seed++) {
    const batches = inputs(seed);
    const first = await run(batches, "collect");
    const second = await run(batches, "collect");
    assert.deepEqual(second, first, `seed ${seed}`);
    assert.ok(first.length > 0, `seed ${seed} produced output`);
  }
});

Deno.test("how input is split into batches does not change associative results (property, 25 seeds)", async () => {
  for (let seed = 1; seed <= 25; seed++) {
    const batches = inputs(seed);
    const whole = await run([batches.flat()], "sum");
    const single = await run(batches.flat().map((r) => [r]), "sum");
    const asGiven = await run(batches, "sum");
    assert.deepEqual(single, whole, `seed ${seed}: one record per batch`);
    assert.deepEqual(asGiven, whole, `seed ${seed}: random batches`);
    // Every window appears once, in time order.
    const times = whole.map((s) => Number(s.split("=")[0]));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.equal(new Set(times).size, times.length);
  }
});
