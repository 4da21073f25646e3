/**
 * The example graphs in `graphs/` are documentation that must stay true:
 * every one of them loads and validates, and the two named in the README
 * have the shape their comments describe.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadGraphFile, outgoing, topologicalOrder } from "../src/graph/mod.ts";
import { ROOT } from "./_samples.ts";

const GRAPHS_DIR = join(ROOT, "graphs");
const FILES = readdirSync(GRAPHS_DIR).filter((f) => f.endsWith(".yaml")).sort();

Deno.test("graphs/ holds the shipped example graphs", () => {
  for (const name of ["temperature.yaml", "window.yaml"]) assert.ok(FILES.includes(name), name);
});

for (const name of FILES) {
  Deno.test(`graphs/${name} validates`, async () => {
    const graph = await loadGraphFile(join(GRAPHS_DIR, name));
    assert.equal(graph.shape, "1.0.0");
    assert.ok(graph.metadata?.description, "examples describe themselves");
  });
}

/** The operations in topological order as `type name module`. */
async function pipeline(name: string): Promise<string[]> {
  const graph = await loadGraphFile(join(GRAPHS_DIR, name));
  for (const op of graph.operations) {
    assert.ok(outgoing(graph, op.name).length <= 1, `${name} is a straight pipeline`);
  }
  return topologicalOrder(graph).map((op) => `${op.operationType} ${op.name} ${op.module}`);
}

Deno.test("graphs/temperature.yaml is source → temperature map → sink", async () => {
  assert.deepEqual(await pipeline("temperature.yaml"), [
    "source source null",
    "map module-temperature/map temperature:1.0.0",
    "sink sink null",
  ]);
});

Deno.test("graphs/window.yaml is source → window delay → temperature accumulate → sink", async () => {
  assert.deepEqual(await pipeline("window.yaml"), [
    "source source null",
    "delay module-window/delay window:1.0.0",
    "accumulate module-temperature/accumulate temperature:1.0.0",
    "sink sink null",
  ]);
});
