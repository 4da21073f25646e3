import assert from "node:assert/strict";
import { ManualClock, type Rec } from "../src/engine/mod.ts";
import { graph, mapJson, rec, settle, startWith } from "./_engine_helpers.ts";

Deno.test("a slow sink slows the source: queued records stay bounded", async () => {
  const g = graph([["source", "source"], ["m", "map"], ["sink", "sink"]], ["source->m", "m->sink"]);
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => (release = r));
  const written: Rec[] = [];
  const sink = {
    async write(batch: readonly Rec[]) {
      await gate;
      written.push(...batch);
    },
  };
  const capacity = 100;
  const flow = await startWith(g, { m: mapJson((v) => v) }, sink, {
    queueCapacity: capacity,
    clock: new ManualClock(),
  });
  let accepted = 0;
  let pushing = true;
  const producer = (async () => {
    for (let i = 0; i < 1000 && pushing; i++) {
      await flow.push([rec(i, i), rec(i, i)].slice(0, 1));
      accepted++;
    }
  })();
  await settle();
  // Sink holds 1 batch; map's queue, the source's queue and one batch in flight
  // at each stage bound what can be accepted while the sink is blocked.
  assert.ok(accepted <= 3 * capacity + 3, `accepted ${accepted} while the sink was blocked`);
  assert.ok(accepted > 0);
  const whileBlocked = accepted;
  await settle();
  assert.equal(accepted, whileBlocked, "the producer waits while the sink is blocked");
  release();
  gate = Promise.resolve();
  await producer;
  pushing = false;
  await flow.close();
  assert.equal(written.length, 1000);
  assert.deepEqual(written.map((r) => r.time.ms), [...Array(1000).keys()]);
});
