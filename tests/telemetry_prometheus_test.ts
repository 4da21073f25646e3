import assert from "node:assert/strict";
import { Metrics, renderPrometheus } from "../src/telemetry/mod.ts";

Deno.test("renderPrometheus() writes counters and cumulative histogram buckets", () => {
  const m = new Metrics();
  m.add("weir_records_in_total", 3, { operation: "module-temperature/map", graph: "g" });
  m.add("weir_records_in_total", 2, { operation: "module-temperature/map", graph: "g" });
  m.observe("weir_latency_ms", 0.3);
  m.observe("weir_latency_ms", 7);
  m.observe("weir_latency_ms", 20_000);
  const text = renderPrometheus(m);
  assert.match(text, /# TYPE weir_records_in_total counter\n/);
  assert.match(text, /weir_records_in_total\{graph="g",operation="module-temperature\/map"\} 5\n/);
  assert.match(text, /weir_latency_ms_bucket\{le="0.25"\} 0\n/);
  assert.match(text, /weir_latency_ms_bucket\{le="0.5"\} 1\n/);
  assert.match(text, /weir_latency_ms_bucket\{le="10"\} 2\n/);
  assert.match(text, /weir_latency_ms_bucket\{le="10000"\} 2\n/);
  assert.match(text, /weir_latency_ms_bucket\{le="\+Inf"\} 3\n/);
  assert.match(text, /weir_latency_ms_count 3\n/);
  assert.match(text, /weir_latency_ms_sum 20007.3\n/);
});

Deno.test("renderPrometheus() escapes label values and cleans metric names", () => {
  const m = new Metrics();
  m.add("module requests", 1, { path: 'a"b\\c' });
  assert.match(renderPrometheus(m), /module_requests\{path="a\\"b\\\\c"\} 1/);
});

Deno.test("Metrics refuses a name reused as another instrument", () => {
  const m = new Metrics();
  m.add("x", 1);
  assert.throws(() => m.observe("x", 1), /Metric "x" is already a counter/);
  assert.throws(() => m.add("y", -1), /cannot add "-1"/);
});
