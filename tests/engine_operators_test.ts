import assert from "node:assert/strict";
import { collectingSideOutputs, ManualClock } from "../src/engine/mod.ts";
import { compareHlc, emptyMessage, HLC_MAX } from "../src/base/mod.ts";
import {
  branchJson,
  collect,
  Failure,
  filterJson,
  graph,
  hlc,
  mapJson,
  memorySink,
  rec,
  startWith,
  valueOf,
} from "./_engine_helpers.ts";

const linear = graph(
  [["source", "source"], ["double", "map"], ["big", "filter"], ["sink", "sink"]],
  ["source->double", "double->big", "big->sink"],
);

Deno.test("map and filter run in order and keep each record's time", async () => {
  const sink = memorySink();
  const flow = await startWith(
    linear,
    {
      double: mapJson((v) => (v as number) * 2),
      big: filterJson((v) => (v as number) > 4),
    },
    sink,
    { clock: new ManualClock() },
  );
  await flow.push([rec(10, 1), rec(11, 2), rec(12, 3), rec(13, 4)]);
  await flow.close();
  assert.deepEqual(sink.values(), [6, 8]);
  assert.deepEqual(sink.records.map((r) => r.time.ms), [12, 13]);
  const stats = flow.stats();
  assert.equal(stats["big"]!.dropped, 2);
  assert.equal(stats["double"]!.recordsOut, 4);
  assert.equal(stats["sink"]!.recordsIn, 2);
});

Deno.test("branch sends false to arm False and true to arm True", async () => {
  const g = graph(
    [["source", "source"], ["b", "branch"], ["f", "map"], ["t", "map"], ["c", "concatenate"], [
      "sink",
      "sink",
    ]],
    ["source->b", "b-False->f", "b-True->t", "f->c", "t->c", "c->sink"],
  );
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
  await flow.push([rec(1, 1), rec(2, 2), rec(3, 3)]);
  await flow.close();
  assert.deepEqual(
    (sink.values() as string[]).sort(),
    ["even 2", "odd 1", "odd 3"],
  );
  // concatenate keeps each record's time
  const times = new Map(sink.records.map((r) => [valueOf(r.data), r.time.ms]));
  assert.equal(times.get("even 2"), 2);
  assert.equal(times.get("odd 3"), 3);
});

Deno.test("concatenate merges inputs and its frontier is the minimum of theirs", async () => {
  const g = graph(
    [["source", "source"], ["b", "branch"], ["slow", "accumulate"], ["c", "concatenate"], [
      "after",
      "accumulate",
    ], ["sink", "sink"]],
    ["source->b", "b-True->slow", "b-False->c", "slow->c", "c->after", "after->sink"],
  );
  const sink = memorySink();
  const clock = new ManualClock();
  const flow = await startWith(
    g,
    {
      b: branchJson((v) => v === "w"),
      slow: collect(),
      after: collect(),
    },
    sink,
    { clock },
  );
  await flow.push([rec(5, "w"), rec(5, "x")]);
  await flow.push([rec(6, "y")]);
  // Frontier is 6: time 5 is complete on both paths, so "after" emits once for 5
  // with both the direct record and the accumulated one.
  await flow.close();
  const out = sink.records.map((r) => [r.time.ms, valueOf(r.data)]);
  assert.equal(out.length, 2);
  assert.equal(out[0]![0], 5);
  assert.deepEqual((out[0]![1] as unknown[]).map((v) => JSON.stringify(v)).sort(), [
    JSON.stringify("x"),
    JSON.stringify(["w"]),
  ]);
  assert.deepEqual(out[1], [6, ["y"]]);
});

Deno.test("accumulate starts from an empty message and emits once per time when the frontier passes", async () => {
  const g = graph([["source", "source"], ["acc", "accumulate"], ["sink", "sink"]], [
    "source->acc",
    "acc->sink",
  ]);
  const calls: Parameters<typeof collect>[0] = [];
  const sink = memorySink();
  const clock = new ManualClock(0);
  const flow = await startWith(g, { acc: collect(calls) }, sink, { clock, idleMs: 1000 });
  await flow.push([rec(100, "a"), rec(100, "b")]);
  await flow.push([rec(100, "c")]);
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[0]!.staged, emptyMessage(hlc(100, 0, "t")));
  assert.deepEqual(calls[1]!.inputs.map(valueOf), ["c"]);
  assert.equal(sink.records.length, 0, "nothing emitted before the frontier passes 100");
  await flow.push([rec(101, "d")]);
  await flow.close();
  assert.deepEqual(sink.records.map((r) => [r.time.ms, valueOf(r.data)]), [
    [100, ["a", "b", "c"]],
    [101, ["d"]],
  ]);
});

Deno.test("a map failure goes to the dead-letter output and later records flow", async () => {
  const side = collectingSideOutputs();
  const sink = memorySink();
  const flow = await startWith(
    linear,
    {
      double: mapJson((v) => {
        if (v === 2) throw new Error("cannot double two");
        return (v as number) * 2;
      }),
      big: filterJson(() => true),
    },
    sink,
    { side, clock: new ManualClock() },
  );
  await flow.push([rec(1, 1), rec(2, 2), rec(3, 3)]);
  await flow.push([rec(4, 4)]);
  await flow.close();
  assert.deepEqual(sink.values(), [2, 6, 8]);
  assert.equal(side.deadLetters.length, 1);
  assert.equal(side.deadLetters[0]!.operation, "double");
  assert.equal(valueOf(side.deadLetters[0]!.record.data), 2);
  assert.match(side.deadLetters[0]!.reason, /cannot double two/);
  assert.equal(flow.stats()["double"]!.deadLettered, 1);
});

Deno.test("a Failure outcome and a non-boolean filter answer are dead-lettered with reasons", async () => {
  const side = collectingSideOutputs();
  const sink = memorySink();
  const flow = await startWith(
    linear,
    {
      double: {
        kind: "map",
        process: (b) => b.map((r) => valueOf(r.data) === 1 ? new Failure("Bad input") : r.data),
      },
      big: {
        kind: "filter",
        process: (b) => b.map((r) => (valueOf(r.data) === 2 ? "yes" as unknown as boolean : true)),
      },
    },
    sink,
    { side, clock: new ManualClock() },
  );
  await flow.push([rec(1, 1), rec(2, 2), rec(3, 3)]);
  await flow.close();
  assert.deepEqual(sink.values(), [3]);
  assert.deepEqual(side.deadLetters.map((d) => d.reason), [
    "Bad input",
    'Filter returned "yes", expected a boolean',
  ]);
});

Deno.test("Dataflow.start refuses an operator of the wrong kind", async () => {
  await assert.rejects(
    startWith(
      linear,
      { double: filterJson(() => true), big: filterJson(() => true) },
      memorySink(),
    ),
    /"double" is a map but its operator is a filter/,
  );
});

Deno.test("close() drives every frontier to the end of time", async () => {
  const sink = memorySink();
  const flow = await startWith(
    linear,
    {
      double: mapJson((v) => v),
      big: filterJson(() => true),
    },
    sink,
    { clock: new ManualClock() },
  );
  await flow.close();
  assert.equal(compareHlc(flow.frontier, HLC_MAX), 0);
  assert.equal(sink.records.length, 0);
});

Deno.test("orderedMerge releases a concatenate's inputs in time order however the arms were scheduled", async () => {
  const g = graph(
    [
      ["source", "source"],
      ["b", "branch"],
      ["slow", "map"],
      ["fast", "map"],
      ["c", "concatenate"],
      [
        "sink",
        "sink",
      ],
    ],
    ["source->b", "b-True->slow", "b-False->fast", "slow->c", "fast->c", "c->sink"],
  );
  const run = async (orderedMerge: boolean) => {
    const sink = memorySink();
    const flow = await startWith(
      g,
      {
        b: branchJson((v) => (v as number) % 2 === 1),
        // The odd arm answers late, like a module in a busy worker.
        slow: {
          kind: "map",
          process: async (batch) => {
            await new Promise((r) => setTimeout(r, 5));
            return batch.map((r) => r.data);
          },
        },
        fast: mapJson((v) => v),
      },
      sink,
      { clock: new ManualClock(), orderedMerge },
    );
    for (let i = 1; i <= 6; i++) await flow.push([rec(i, i)]);
    await flow.close();
    return sink.values();
  };
  assert.deepEqual(await run(true), [1, 2, 3, 4, 5, 6]);
  const plain = await run(false);
  assert.deepEqual([...plain].sort(), [1, 2, 3, 4, 5, 6]);
  assert.notDeepEqual(plain, [1, 2, 3, 4, 5, 6], "without ordering the fast arm overtakes");
});
