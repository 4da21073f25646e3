/**
 * Runs the hostile-spin module in a process of its own and prints what came
 * out as JSON: Deno cannot stop a worker thread stuck in an endless loop
 * (see src/wasm/stuck_workers.ts), so the threads this leaves spinning must
 * end with this process, not slow every test after it.
 *
 * Usage: deno run --allow-read --allow-write --allow-env --unstable-worker-options
 * tests/_spin_child.ts
 */
import type { Message } from "../src/base/mod.ts";
import { collectingSideOutputs, Failure } from "../src/engine/mod.ts";
import { runOffline } from "../src/gateway/mod.ts";
import { loadGraphFile } from "../src/graph/mod.ts";
import { jsonLogger, Metrics } from "../src/telemetry/mod.ts";
import { compileModule, createIsolatedOperator, STUCK_WORKERS_METRIC } from "../src/wasm/mod.ts";
import { modulePath, MODULES_DIR } from "./_modules.ts";
import { ROOT } from "./_samples.ts";
import { textRec } from "./_engine_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The graph over records that spin on the 1st, 4th and 7th. */
async function graphRun() {
  const graph = await loadGraphFile(`${ROOT}/tests/fixtures/graphs/hostile_spin.yaml`);
  const side = collectingSideOutputs();
  const out: string[] = [];
  const logs: string[] = [];
  await runOffline({
    graph,
    modulesDir: MODULES_DIR,
    config: new Map(),
    log: jsonLogger({ write: (l) => logs.push(l), level: "warn" }),
    onOutput: (r) => out.push(dec.decode((r.data as Message).payload)),
    side,
    isolation: "worker",
    deadlineMs: 300,
    batchSize: 8,
  }, ["spin", "a", "b", "spin", "c", "d", "spin", "e"].map((p, i) => textRec(i, p)));
  return {
    out,
    deadLetters: side.deadLetters.map((d) => ({
      payload: dec.decode((d.record.data as Message).payload),
      reason: d.reason,
    })),
    replaced: logs.some((l) => l.includes("module worker replaced")),
  };
}

/** One operator kept open past the stuck check, after one spinning record. */
async function stuckRun(stuckAfterMs: number) {
  const module = await compileModule(await Deno.readFile(modulePath("hostile-spin")), "spin");
  const metrics = new Metrics();
  const logs: string[] = [];
  const labels = { graph: "spin", operation: "hostile/map" };
  const op = await createIsolatedOperator(module, {
    operation: "hostile/map",
    kind: "map",
    properties: [],
    deadlineMs: 200,
    services: { log: jsonLogger({ write: (l) => logs.push(l), level: "warn" }), metrics, labels },
  });
  if (op.kind !== "map") throw new Error("expected a map");
  const [, spun] = await op.process([textRec(0, "warm"), textRec(1, "spin")]);
  await new Promise((r) => setTimeout(r, stuckAfterMs + 1500));
  const gauge = metrics.gauges().find((g) => g.name === STUCK_WORKERS_METRIC);
  await op.close?.();
  return {
    failed: spun instanceof Failure ? spun.reason : null,
    stuck: gauge?.value ?? null,
    stuckLabels: gauge?.labels ?? null,
    stuckLog: logs.find((l) => l.includes("did not stop after its deadline")) ?? null,
  };
}

const result = { graph: await graphRun(), stuck: await stuckRun(5000) };
await Deno.stdout.write(enc.encode(JSON.stringify(result) + "\n"));
Deno.exit(0);
