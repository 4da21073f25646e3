/**
 * A module is a tenant of the gateway: whatever it does with metrics and the
 * state store, the gateway's own metrics and other graphs' state stay whole.
 * The hostile-tenant module (modules/hostile-tenant) runs each abuse on
 * command, in a worker and in-thread.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { hlc, type Message } from "../src/base/mod.ts";
import { collectingSideOutputs, type Rec } from "../src/engine/mod.ts";
import { runOffline } from "../src/gateway/mod.ts";
import { loadGraphFile } from "../src/graph/mod.ts";
import { jsonLogger, Metrics, renderPrometheus } from "../src/telemetry/mod.ts";
import { MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const GRAPH = "Hostile tenant";
const OPERATION = "hostile/map";

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

async function run(
  commands: string[],
  isolation: "worker" | "none",
  metrics = new Metrics(),
) {
  const graph = await loadGraphFile(join(ROOT, "tests/fixtures/graphs/hostile_tenant.yaml"));
  const side = collectingSideOutputs();
  const out: string[] = [];
  const logs: string[] = [];
  await runOffline({
    graph,
    modulesDir: MODULES_DIR,
    config: new Map(),
    log: jsonLogger({ write: (l) => logs.push(l), level: "warn" }),
    metrics,
    onOutput: (r) => out.push(dec.decode((r.data as Message).payload)),
    side,
    isolation,
    deadlineMs: 30_000,
    batchSize: 1,
  }, commands.map((c, i) => rec(i, c)));
  return { out, side, logs, metrics };
}

const ready = modulesBuilt("hostile-tenant");

for (const isolation of ["worker", "none"] as const) {
  Deno.test({
    name: `module metrics (${isolation}): gateway names, labels, kinds and 200,000 series ` +
      "leave the gateway's metrics whole" + modulesNote("hostile-tenant"),
    ignore: !ready,
    fn: async () => {
      const { out, side, metrics } = await run(
        ["gateway", "kinds", "series:200000", "echo"],
        isolation,
      );
      assert.equal(side.deadLetters.length, 0);
      // The module's own names go to its namespace; a second kind for one name is refused.
      assert.match(out[0]!, /^counter=ok histogram=ok clash=incompatible-type: /);
      assert.match(out[1]!, /^counter=ok histogram=incompatible-type: /);
      assert.equal(out[3], "echo");

      // The gateway's own updates still work, on names the module tried to take.
      metrics.add("weir_messages_published_total", 1, { dataflow: "d" });
      metrics.add("weir_dead_letters_total", 1, { dataflow: "d", operation: "o" });
      metrics.observe("weir_end_to_end_latency_ms", 5, { dataflow: "d" });
      const published = metrics.counters().filter((c) =>
        c.name === "weir_messages_published_total"
      );
      assert.deepEqual(published.map((c) => [c.labels, c.value]), [[{ dataflow: "d" }, 1]]);
      assert.equal(
        metrics.histograms().filter((h) => h.name === "weir_dead_letters_total").length,
        0,
      );

      // Every module series is in the namespace, with the host's graph and operation.
      const series = [...metrics.counters(), ...metrics.histograms()].filter((s) =>
        !s.name.startsWith("weir_") || s.name.startsWith("weir_module_")
      );
      for (const s of series) {
        assert.match(s.name, /^weir_module_/);
        assert.equal(s.labels["graph"], GRAPH, s.name);
        assert.equal(s.labels["operation"], OPERATION, s.name);
      }
      const spoofed = series.find((s) => s.name === "weir_module_weir_messages_published_total");
      assert.equal(spoofed?.labels["module_graph"], "evil");
      assert.equal(spoofed?.labels["module_operation"], "evil");

      // At most 1,000 series per operation; the rest are dropped and counted.
      assert.equal(series.length, 1000);
      const wide = series.filter((s) => s.name === "weir_module_wide").length;
      const dropped = metrics.counters().find((c) =>
        c.name === "weir_dropped_module_updates_total" && c.labels["reason"] === "series_limit"
      );
      assert.deepEqual(dropped?.labels, {
        graph: GRAPH,
        operation: OPERATION,
        reason: "series_limit",
      });
      assert.equal(dropped?.value, 200_000 - wide);
      const kinds = metrics.counters().find((c) =>
        c.name === "weir_dropped_module_updates_total" && c.labels["reason"] === "kind_conflict"
      );
      assert.equal(kinds?.value, 2);

      const text = renderPrometheus(metrics);
      assert.equal(text.match(/^# TYPE weir_messages_published_total /gm)?.length, 1);
      assert.match(text, /^weir_messages_published_total\{dataflow="d"\} 1$/m);
    },
  });

  Deno.test({
    name: `state store (${isolation}): 64 writes of 1 MiB stop at the 64 MiB quota with a clean ` +
      "error and a log line" + modulesNote("hostile-tenant"),
    ignore: !ready,
    fn: async () => {
      const { out, side, logs } = await run(["state:64:1048576", "echo"], isolation);
      assert.equal(side.deadLetters.length, 0);
      assert.match(out[0]!, /^written=63 error=request-error: State store quota exceeded/);
      assert.equal(out[1], "echo");
      assert.ok(
        logs.some((l) => l.includes("state store quota exceeded")),
        logs.join("\n"),
      );
    },
  });
}
