// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Message } from "../src/base/mod.ts";
import { collectingSideOutputs, type Rec } from "../src/engine/mod.ts";
import { runOffline } from "../src/gateway/mod.ts";
import { loadGraphFile } from "../src/graph/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";
import { textRec } from "./_engine_helpers.ts";

const dec = new TextDecoder();

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

/** The spin runs in a child process: the threads it leaves spinning end with it. */
async function spinChild(): Promise<any> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      join(ROOT, "deno.json"),
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--unstable-worker-options",
      join(ROOT, "tests/_spin_child.ts"),
    ],
    env: { WEIR_MODULES_DIR: MODULES_DIR, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = dec.decode(out.stdout);
  assert.ok(out.success, `the child failed: ${dec.decode(out.stderr)}`);
  return JSON.parse(text);
}

Deno.test({
  name:
    "a module stuck in an endless loop is stopped at its deadline; every other record arrives; " +
    "a thread that cannot be stopped is counted" + modulesNote("hostile-spin"),
  ignore: !modulesBuilt("hostile-spin"),
  fn: async () => {
    const t0 = performance.now();
    const { graph, stuck } = await spinChild();
    assert.deepEqual(graph.out, ["a", "b", "c", "d", "e"]);
    assert.deepEqual(graph.deadLetters.map((d: any) => d.payload), ["spin", "spin", "spin"]);
    // A fresh worker's first record gets five deadlines (its code is still warming up)...
    assert.equal(
      graph.deadLetters[0].reason,
      "Module exceeded its 1500 ms deadline (a fresh worker's first record)",
    );
    // ...every later one the deadline.
    for (const d of graph.deadLetters.slice(1)) {
      assert.equal(d.reason, "Module exceeded its 300 ms deadline");
    }
    assert.ok(graph.replaced, 'no "module worker replaced" line');
    // Deno cannot stop the spinning thread: the operator says so instead of hiding it.
    assert.equal(stuck.failed, "Module exceeded its 200 ms deadline");
    assert.equal(stuck.stuck, 1);
    assert.deepEqual(stuck.stuckLabels, { graph: "spin", operation: "hostile/map" });
    assert.match(stuck.stuckLog ?? "", /"level":"error".*did not stop after its deadline/);
    assert.ok(performance.now() - t0 < 40_000);
  },
});

Deno.test({
  name:
    "a memory bomb hits the memory cap and traps; the instance is replaced and the graph runs on" +
    modulesNote("hostile-bomb"),
  ignore: !modulesBuilt("hostile-bomb"),
  fn: async () => {
    for (const isolation of ["worker", "none"] as const) {
      const input = ["a", "bomb", "b", "bomb", "c"].map((p, i) => textRec(i, p));
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
      const input = ["r1", "r2", "r3", "r4", "r5", "r6"].map((p, i) => textRec(i, p));
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
