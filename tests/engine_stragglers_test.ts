/**
 * Records behind the frontier: only operators that keep time may find them
 * late; everything else passes them on. Completion is tracked by origin, so a
 * caller knows when nothing derived from an input is left in the graph.
 */
import assert from "node:assert/strict";
import { collectingSideOutputs, ManualClock, type Rec } from "../src/engine/mod.ts";
import {
  branchJson,
  filterJson,
  graph,
  hlc,
  mapJson,
  memorySink,
  rec,
  settle,
  startWith,
  valueOf,
} from "./_engine_helpers.ts";

const stateless = graph(
  [
    ["source", "source"],
    ["double", "map"],
    ["even", "filter"],
    ["split", "branch"],
    ["join", "concatenate"],
    ["sink", "sink"],
  ],
  [
    "source->double",
    "double->even",
    "even->split",
    "split-True->join",
    "split-False->join",
    "join->sink",
  ],
);

const table = () => ({
  double: mapJson((v) => (v as number) * 2),
  even: filterJson((v) => (v as number) % 4 !== 2),
  split: branchJson((v) => (v as number) > 10),
});

Deno.test("map, filter, branch and concatenate never drop a record for its time", async () => {
  const side = collectingSideOutputs();
  const sink = memorySink();
  const clock = new ManualClock(0);
  const flow = await startWith(stateless, table(), sink, { side, clock, idleMs: 100 });
  await flow.push([rec(10_000, 2)]);
  clock.advance(60_000); // the idle clock carries the frontier a minute past every record
  await settle();
  await flow.push([rec(1_000, 4), rec(5_000, 5), rec(9_999, 8)]); // all far behind the frontier
  await flow.close();
  assert.deepEqual(sink.values(), [4, 8, 16]);
  assert.deepEqual(side.lates, [], "nothing is late where no operator keeps time");
  assert.deepEqual(side.deadLetters, []);
  assert.equal(flow.stats()["even"]!.dropped, 1, "5*2=10 filtered by its value, not its time");
});

Deno.test("Dataflow.minOrigin() counts a record behind the frontier until it is written", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const written: Rec[] = [];
  const sink = {
    write: async (batch: readonly Rec[]) => {
      await gate;
      written.push(...batch);
    },
  };
  let settled = 0;
  const g = graph([["source", "source"], ["m", "map"], ["sink", "sink"]], ["source->m", "m->sink"]);
  const flow = await startWith(g, { m: mapJson((v) => v) }, sink, {
    clock: new ManualClock(0),
    onSettle: () => settled++,
  });
  assert.equal(flow.minOrigin(), Infinity);
  await flow.push([{ ...rec(5_000, "ahead"), origin: 0 }]);
  await flow.push([{ ...rec(10, "far behind"), origin: 1 }]);
  await settle();
  assert.ok(flow.frontier.ms >= 5_000, "the frontier passed the second record's time");
  assert.equal(flow.minOrigin(), 0, "both records are still on their way to the sink");
  release();
  await settle();
  assert.equal(flow.minOrigin(), Infinity, "written: nothing in flight");
  assert.deepEqual(written.map((r) => [valueOf(r.data), r.origin]), [["ahead", 0], [
    "far behind",
    1,
  ]]);
  assert.ok(settled > 0, "onSettle was called");
  await flow.close();
});

Deno.test("a dead letter is stored before its batch counts as done", async () => {
  let store!: () => void;
  const stored = new Promise<void>((r) => (store = r));
  let deadLetters = 0;
  const side = {
    late: () => {},
    deadLetter: () => {
      deadLetters++;
      return stored;
    },
  };
  const g = graph([["source", "source"], ["m", "map"], ["sink", "sink"]], ["source->m", "m->sink"]);
  const flow = await startWith(
    g,
    {
      m: mapJson((v) => {
        if (v === "bad") throw new Error("bad value");
        return v;
      }),
    },
    memorySink(),
    { side, clock: new ManualClock(0) },
  );
  await flow.push([{ ...rec(1, "bad"), origin: 7 }]);
  await settle();
  assert.equal(deadLetters, 1);
  assert.equal(
    flow.minOrigin(),
    7,
    "the failed record is in flight until its dead letter is stored",
  );
  store();
  await settle();
  assert.equal(flow.minOrigin(), Infinity);
  await flow.close();
});

Deno.test("the idle clock holds while input waits to be admitted", async () => {
  const clock = new ManualClock(0);
  let waiting = true;
  const g = graph([["source", "source"], ["sink", "sink"]], ["source->sink"]);
  const flow = await startWith(g, {}, memorySink(), {
    clock,
    idleMs: 100,
    quiet: () => !waiting,
  });
  await flow.push([rec(1_000, 1)]);
  clock.advance(5_000);
  await settle();
  assert.equal(
    flow.frontier.ms,
    1_000,
    "input waiting: the frontier stays at the latest time seen",
  );
  waiting = false;
  clock.advance(500);
  await settle();
  assert.ok(flow.frontier.ms > 1_000, "quiet now: the frontier moves with the wall clock");
  assert.ok(flow.frontier.ms <= 1_000 + 500, `${flow.frontier.ms}`);
  await flow.close();
});

Deno.test("withData keeps a record's origin through a map", async () => {
  const sink = memorySink();
  const g = graph([["source", "source"], ["m", "map"], ["sink", "sink"]], ["source->m", "m->sink"]);
  const flow = await startWith(g, { m: mapJson((v) => `${v}!`) }, sink, {
    clock: new ManualClock(0),
  });
  await flow.push([{ time: hlc(1, 0, "t"), data: rec(1, "x").data, origin: 42 }]);
  await flow.close();
  assert.deepEqual(sink.records.map((r) => r.origin), [42]);
});
