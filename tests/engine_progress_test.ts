import assert from "node:assert/strict";
import { type AccumulateGroup, collectingSideOutputs, ManualClock } from "../src/engine/mod.ts";
import {
  collect,
  delayBy,
  Failure,
  graph,
  hlc,
  memorySink,
  rec,
  settle,
  startWith,
  valueOf,
  windowUp,
} from "./_engine_helpers.ts";

const windowed = graph(
  [["source", "source"], ["window", "delay"], ["acc", "accumulate"], ["sink", "sink"]],
  ["source->window", "window->acc", "acc->sink"],
);

Deno.test("a window closes on the idle clock when input goes quiet", async () => {
  const clock = new ManualClock(0);
  const sink = memorySink();
  const flow = await startWith(windowed, { window: windowUp(10_000), acc: collect() }, sink, {
    clock,
    idleMs: 1000,
  });
  await flow.push([rec(9_500, "a"), rec(9_600, "b")]);
  clock.advance(900);
  await settle();
  assert.equal(sink.records.length, 0, "still within the idle period");
  clock.advance(400);
  await settle();
  // 1,300 ms quiet: the frontier is 9,600 + 1,300 - 1,000 = 9,900, before the window end
  assert.equal(sink.records.length, 0, "the frontier has not passed the window end");
  clock.advance(200);
  await settle();
  assert.deepEqual(sink.records.map((r) => [r.time.ms, valueOf(r.data)]), [[10_000, ["a", "b"]]]);
  await flow.close();
  assert.equal(sink.records.length, 1, "emitted exactly once");
});

Deno.test("end of input closes every open window", async () => {
  const sink = memorySink();
  const flow = await startWith(windowed, { window: windowUp(10_000), acc: collect() }, sink, {
    clock: new ManualClock(0),
  });
  await flow.push([rec(1_000, 1), rec(12_000, 2), rec(25_000, 3)]);
  await flow.close();
  assert.deepEqual(sink.records.map((r) => [r.time.ms, valueOf(r.data)]), [
    [10_000, [1]],
    [20_000, [2]],
    [30_000, [3]],
  ]);
});

Deno.test("delay holds records until the frontier reaches their new time, then releases them in order", async () => {
  const g = graph([["source", "source"], ["d", "delay"], ["sink", "sink"]], [
    "source->d",
    "d->sink",
  ]);
  const sink = memorySink();
  // Odd values wait 50 ms; even values keep their time.
  const flow = await startWith(
    g,
    {
      d: {
        kind: "delay",
        process: (b) =>
          b.map((r) => ((valueOf(r.data) as number) % 2 ? hlc(r.time.ms + 50, 0, "t") : r.time)),
      },
    },
    sink,
    { clock: new ManualClock() },
  );
  await flow.push([rec(100, 1), rec(100, 2)]);
  await settle();
  // The source frontier is (100, 0, ""): records of node "t" at 100 may still come.
  assert.deepEqual(sink.values(), []);
  await flow.push([rec(120, 4)]);
  await settle();
  assert.deepEqual(sink.values(), [2]);
  await flow.push([rec(150, 6)]);
  await settle();
  assert.deepEqual(sink.values(), [2, 4], "1 now waits for time 150");
  await flow.close();
  assert.deepEqual(sink.values(), [2, 4, 1, 6], "equal times leave in arrival order");
  assert.deepEqual(sink.records.map((r) => r.time.ms), [100, 120, 150, 150]);
});

Deno.test("delay to an earlier time is an error that dead-letters the record", async () => {
  const g = graph([["source", "source"], ["d", "delay"], ["sink", "sink"]], [
    "source->d",
    "d->sink",
  ]);
  const side = collectingSideOutputs();
  const sink = memorySink();
  const flow = await startWith(
    g,
    {
      d: delayBy((
        t,
      ) => (t.ms === 200 ? hlc(150, 0, "t") : t.ms === 300 ? new Failure("No window") : t)),
    },
    sink,
    { side, clock: new ManualClock() },
  );
  await flow.push([rec(100, "a"), rec(200, "b"), rec(300, "c")]);
  await flow.close();
  assert.deepEqual(sink.values(), ["a"]);
  assert.equal(side.deadLetters.length, 2);
  assert.match(
    side.deadLetters[0]!.reason,
    /back in time from "000000000000200:00000:t" to "000000000000150:00000:t"/,
  );
  assert.equal(side.deadLetters[1]!.reason, "No window");
});

Deno.test("a window finds a record late; it is counted and sent to the late output", async () => {
  const side = collectingSideOutputs();
  const sink = memorySink();
  const flow = await startWith(windowed, { window: windowUp(10), acc: collect() }, sink, {
    side,
    clock: new ManualClock(),
  });
  await flow.push([rec(100, "on time")]);
  await flow.push([rec(50, "late"), rec(100, "same ms is on time")]);
  await flow.close();
  assert.equal(side.lates.length, 1);
  assert.equal(valueOf(side.lates[0]!.record.data), "late");
  // The source admits it; only the accumulate, whose window for it had closed, finds it late.
  assert.equal(side.lates[0]!.operation, "acc");
  assert.equal(side.lates[0]!.frontier.ms, 100);
  assert.equal(flow.stats()["source"]!.late, 0);
  assert.equal(flow.stats()["acc"]!.late, 1);
  assert.deepEqual(sink.values(), [["on time", "same ms is on time"]]);
});

Deno.test("allowed lateness keeps slightly out-of-order records on time", async () => {
  const side = collectingSideOutputs();
  const sink = memorySink();
  const flow = await startWith(windowed, { window: windowUp(10), acc: collect() }, sink, {
    side,
    latenessMs: 100,
    clock: new ManualClock(),
  });
  await flow.push([rec(200, "b")]);
  await flow.push([rec(150, "a")]);
  await flow.push([rec(90, "too late")]);
  await flow.close();
  assert.deepEqual(side.lates.map((l) => valueOf(l.record.data)), ["too late"]);
  assert.deepEqual(sink.records.map((r) => [r.time.ms, valueOf(r.data)]), [[150, ["a"]], [200, [
    "b",
  ]]]);
});

Deno.test("advanceTo() closes windows without new records", async () => {
  const sink = memorySink();
  const flow = await startWith(windowed, { window: windowUp(10), acc: collect() }, sink, {
    clock: new ManualClock(),
  });
  await flow.push([rec(5, "x")]);
  await settle();
  assert.equal(sink.records.length, 0);
  flow.advanceTo(hlc(11));
  await settle();
  assert.deepEqual(sink.values(), [["x"]]);
  await flow.close();
});

Deno.test("a sink is told its frontier once everything before it is written", async () => {
  const g = graph([["source", "source"], ["window", "delay"], ["acc", "accumulate"], [
    "sink",
    "sink",
  ]], [
    "source->window",
    "window->acc",
    "acc->sink",
  ]);
  const written: number[] = [];
  const seen: Array<[number, number]> = [];
  const sink = {
    write: (batch: readonly { time: { ms: number } }[]) => {
      for (const r of batch) written.push(r.time.ms);
    },
    progress: (f: { ms: number }) => seen.push([f.ms, written.length]),
  };
  const flow = await startWith(g, { window: windowUp(10), acc: collect() }, sink, {
    clock: new ManualClock(),
  });
  await flow.push([rec(3, "a")]);
  await flow.push([rec(25, "b")]);
  await settle();
  // Frontier 25 passed window 10: its output was written before the sink heard of 25.
  const at25 = seen.find(([f]) => f === 25);
  assert.ok(at25, JSON.stringify(seen));
  assert.equal(at25[1], 1);
  await flow.close();
  assert.equal(seen.at(-1)![0], Infinity);
  assert.deepEqual(written, [10, 30]);
});

Deno.test("delay may lower the counter within a millisecond (a window end exactly on a boundary)", async () => {
  const side = collectingSideOutputs();
  const sink = memorySink();
  const flow = await startWith(windowed, { window: windowUp(10_000), acc: collect() }, sink, {
    side,
    clock: new ManualClock(),
  });
  // On the boundary with counter 3: the window moves it to (20000, 0), the same millisecond.
  await flow.push([rec(19_990, "a"), rec(20_000, "b", 3)]);
  await flow.close();
  assert.deepEqual(side.deadLetters.map((d) => d.reason), []);
  assert.deepEqual(sink.records.map((r) => [r.time.ms, r.time.counter, valueOf(r.data)]), [
    [20_000, 0, ["a", "b"]],
  ]);
});

Deno.test("accumulate folds a large window in chunks, each from the last one's value", async () => {
  const calls: AccumulateGroup[] = [];
  const sink = memorySink();
  const flow = await startWith(windowed, { window: windowUp(10_000), acc: collect(calls) }, sink, {
    clock: new ManualClock(),
  });
  await flow.push(Array.from({ length: 2_500 }, (_, i) => rec(1_000 + (i % 500), i)));
  await flow.close();
  assert.ok(calls.length >= 3, `${calls.length} calls`);
  assert.ok(calls.every((c) => c.inputs.length <= 1024), "no call gets more than a chunk");
  const [out] = sink.records;
  assert.equal((valueOf(out!.data) as number[]).length, 2_500, "every record folded in once");
});
