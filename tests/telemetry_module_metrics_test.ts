import assert from "node:assert/strict";
import {
  DROPPED_MODULE_UPDATES,
  Metrics,
  ModuleMetrics,
  moduleMetrics,
  renderPrometheus,
} from "../src/telemetry/mod.ts";

const HOST = { graph: "g", operation: "op" };

function dropped(metrics: Metrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of metrics.counters()) {
    if (c.name === DROPPED_MODULE_UPDATES) out[c.labels["reason"]!] = c.value;
  }
  return out;
}

Deno.test("ModuleMetrics renames reserved and host label keys and cleans names", () => {
  const metrics = new Metrics();
  const m = new ModuleMetrics(metrics, HOST);
  assert.equal(
    m.observe("lat.ms", 3, [
      { key: "le", value: "x" },
      { key: "__name__", value: "y" },
      { key: "operation", value: "z" },
      { key: "a-b", value: "w" },
    ]),
    undefined,
  );
  const [h] = metrics.histograms();
  assert.equal(h?.name, "weir_module_lat_ms");
  assert.deepEqual(h?.labels, {
    module_le: "x",
    module___name__: "y",
    module_operation: "z",
    a_b: "w",
    graph: "g",
    operation: "op",
  });
  // One `le` per bucket line: the module's own became module_le.
  assert.match(renderPrometheus(metrics), /weir_module_lat_ms_bucket\{a_b="w",graph="g",le="5",/);
});

Deno.test("ModuleMetrics drops and counts oversized updates and answers bad values", () => {
  const metrics = new Metrics();
  const m = new ModuleMetrics(metrics, HOST, { maxLabels: 2, maxLength: 8 });
  const labels = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "v" }));
  assert.equal(m.add("ok", 1, labels(2)), undefined);
  assert.equal(m.add("ok", 1, labels(3)), "too_many_labels");
  assert.equal(m.add("a_very_long_name", 1), "too_long");
  assert.equal(m.add("ok", 1, [{ key: "k", value: "a long value" }]), "too_long");
  assert.equal(m.add("ok", -1), "bad_value");
  assert.equal(m.observe("h", Number.NaN), "bad_value");
  assert.equal(m.add("ok", Infinity), "bad_value");
  assert.deepEqual(dropped(metrics), { too_many_labels: 1, too_long: 2, bad_value: 3 });
  assert.equal(metrics.counters().filter((c) => c.name === "weir_module_ok").length, 1);
});

Deno.test("moduleMetrics() shares one series budget per operation, across redeploys", () => {
  const metrics = new Metrics();
  const first = moduleMetrics(metrics, HOST);
  for (let i = 0; i < 1000; i++) first.add("s", 1, [{ key: "i", value: String(i) }]);
  // A new version of the graph (or a replaced worker) asks again for the same operation.
  const again = moduleMetrics(metrics, { operation: "op", graph: "g" });
  assert.equal(again, first);
  assert.equal(again.add("s", 1, [{ key: "i", value: "new" }]), "series_limit");
  assert.equal(again.add("s", 1, [{ key: "i", value: "7" }]), undefined);
  const other = moduleMetrics(metrics, { graph: "g", operation: "other" });
  assert.equal(other.add("s", 1, [{ key: "i", value: "new" }]), undefined);
  assert.deepEqual(dropped(metrics), { series_limit: 1 });
});
