import assert from "node:assert/strict";
import { join } from "node:path";
import { hlc, type Message } from "../src/base/mod.ts";
import { collectingSideOutputs, type Rec } from "../src/engine/mod.ts";
import { runOffline } from "../src/gateway/mod.ts";
import { loadGraphFile } from "../src/graph/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function rec(i: number, payload: string): Rec {
  const data: Message = {
    kind: "message",
    timestamp: { secs: 1, nanos: 0, counter: i, node: "n" },
    topic: enc.encode("t"),
    contentType: null,
    payload: enc.encode(payload),
    userProperties: [],
    schema: null,
  };
  return { time: hlc(1000, i, "n"), data };
}

async function run(name: string, input: Rec[], isolation: "worker" | "none", deadlineMs = 1000) {
  const graph = await loadGraphFile(join(ROOT, `tests/fixtures/graphs/hostile_${name}.yaml`));
  const side = collectingSideOutputs();
  const out: string[] = [];
  const logs: string[] = [];
  const stats = await runOffline({
    graph,
    modulesDir: MODULES_DIR,
    config: new Map(),
    log: jsonLogger({ write: (l) => logs.push(l), level: "warn" }),
    onOutput: (r) => out.push(dec.decode((r.data as Message).payload)),
    side,
    isolation,
    deadlineMs,
    batchSize: 8,
  }, input);
  return { out, side, stats, logs };
}

Deno.test({
  name: "a module stuck in an endless loop is stopped at its deadline; every other record arrives" +
    modulesNote("hostile-spin"),
  ignore: !modulesBuilt("hostile-spin"),
  fn: async () => {
    const input = ["a", "b", "spin", "c", "d", "spin", "e"].map((p, i) => rec(i, p));
    const t0 = performance.now();
    const { out, side, logs } = await run("spin", input, "worker", 300);
    assert.deepEqual(out, ["a", "b", "c", "d", "e"]);
    assert.equal(side.deadLetters.length, 2);
    for (const d of side.deadLetters) {
      assert.equal(dec.decode((d.record.data as Message).payload), "spin");
      assert.match(d.reason, /exceeded its 300 ms deadline/);
    }
    assert.ok(logs.some((l) => l.includes("module worker replaced")));
    assert.ok(performance.now() - t0 < 20_000);
  },
});

Deno.test({
  name:
    "a memory bomb hits the memory cap and traps; the instance is replaced and the graph runs on" +
    modulesNote("hostile-bomb"),
  ignore: !modulesBuilt("hostile-bomb"),
  fn: async () => {
    for (const isolation of ["worker", "none"] as const) {
      const input = ["a", "bomb", "b", "bomb", "c"].map((p, i) => rec(i, p));
      const { out, side } = await run("bomb", input, isolation, 5000);
      assert.deepEqual(out, ["a", "b", "c"], isolation);
      assert.equal(side.deadLetters.length, 2, isolation);
      for (const d of side.deadLetters) {
        assert.equal(dec.decode((d.record.data as Message).payload), "bomb");
        assert.match(d.reason, /Module trapped|Worker failed/);
      }
    }
  },
});

Deno.test({
  name: "a filter that traps on every 2nd call loses only those records; init runs again (T28)" +
    modulesNote("hostile-flaky"),
  ignore: !modulesBuilt("hostile-flaky"),
  fn: async () => {
    for (const isolation of ["worker", "none"] as const) {
      const input = ["r1", "r2", "r3", "r4", "r5", "r6"].map((p, i) => rec(i, p));
      const { out, side, stats } = await run("flaky", input, isolation);
      // Each fresh instance passes its 1st call and traps on its 2nd.
      assert.deepEqual(out, ["r1", "r3", "r5"], isolation);
      assert.deepEqual(
        side.deadLetters.map((d) => dec.decode((d.record.data as Message).payload)),
        ["r2", "r4", "r6"],
      );
      assert.match(side.deadLetters[0]!.reason, /Module trapped/);
      assert.equal(stats["hostile/filter"]!.deadLettered, 3);
    }
  },
});
