/**
 * YAML shapes no Weir file has, found by the graph-yaml and gateway-config
 * fuzz targets: collections used as keys (printing nested ones to turn them
 * into strings grew fourfold per level, so 60 bytes of "{" killed the
 * process with V8's "Fatal process out of memory") and nesting deep enough
 * to overflow recursive walks. Each is one clear issue, found fast, for
 * graphs, configuration and pulled graphs alike.
 */
import assert from "node:assert/strict";
import { formatConfigIssue } from "../src/config/mod.ts";
import { checkConfig } from "../src/gateway/mod.ts";
import { checkGraph, formatIssue } from "../src/graph/mod.ts";
import { moduleRefsOf } from "../src/oci/mod.ts";

function quick<T>(work: () => T): T {
  const t0 = performance.now();
  const result = work();
  const ms = performance.now() - t0;
  assert.ok(ms < 2_000, `took ${Math.round(ms)} ms`);
  return result;
}

Deno.test("checkGraph() and checkConfig() answer 60 unclosed braces with syntax issues, quickly", () => {
  const text = "{".repeat(60);
  const graph = quick(() => checkGraph(text, "g.yaml"));
  assert.equal(graph.graph, undefined);
  assert.ok(graph.issues.length > 0 && graph.issues.every((i) => i.rule === "yaml-syntax"));
  const config = quick(() => checkConfig(text, "c.yaml"));
  assert.ok(config.issues.length > 0 && config.issues.every((i) => i.rule === "yaml-syntax"));
});

Deno.test("a mapping or list used as a key is one issue at the key, for any depth of keys in keys", () => {
  const nested = "{".repeat(40) + "}".repeat(40);
  assert.deepEqual(quick(() => checkGraph(nested, "g.yaml")).issues.map(formatIssue), [
    "g.yaml:1:2: (root): found a mapping as a key, expected a name [yaml-key]",
  ]);
  assert.deepEqual(quick(() => checkConfig(nested, "c.yaml")).issues.map(formatConfigIssue), [
    "c.yaml:1:2: (root): found a mapping as a key, expected a name [yaml-key]",
  ]);
  const text = 'moduleRequirements: { apiVersion: "1.1.0" }\noperations:\n  ? [a, b]\n  : c\n';
  assert.deepEqual(checkGraph(text, "g.yaml").issues.map(formatIssue), [
    "g.yaml:3:5: operations: found a list as a key, expected a name [yaml-key]",
  ]);
  assert.throws(() => moduleRefsOf(nested, "r/g:1"), /found a mapping as a key/);
});

Deno.test("nesting deeper than 64 levels is one issue, not a stack overflow in a later check", () => {
  const text = "[".repeat(100) + "]".repeat(100);
  const { issues } = quick(() => checkGraph(text, "g.yaml"));
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.rule, "yaml-depth");
  assert.match(issues[0]!.message, /^found nesting deeper than 64 levels, expected at most 64$/);
  // 64 levels are fine (as far as shape goes).
  const ok = "a:\n" +
    Array.from({ length: 62 }, (_, i) => `${"  ".repeat(i + 1)}b${i}:`).join("\n");
  assert.ok(!checkConfig(ok, "c.yaml").issues.some((i) => i.rule === "yaml-depth"));
});
