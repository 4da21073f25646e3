import assert from "node:assert/strict";
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from "../web/graph.js";
import { OVENS_GRAPH } from "./_admin_fake_control.ts";

type Laid = ReturnType<typeof layoutGraph>;

function node(layout: Laid, name: string) {
  const n = layout.nodes.find((x) => x.name === name);
  assert.ok(n, name);
  return n;
}

Deno.test("layoutGraph() puts each operation one row below its deepest input", () => {
  const layout = layoutGraph(OVENS_GRAPH);
  const layers = Object.fromEntries(layout.nodes.map((n) => [n.name, n.layer]));
  assert.deepEqual(layers, { source: 0, "hot?": 1, "to-celsius": 2, "drop-noise": 2, sink: 3 });
  // Rows go down the page; nodes in a row side by side without overlapping.
  assert.ok(node(layout, "hot?").y > node(layout, "source").y);
  const a = node(layout, "to-celsius");
  const b = node(layout, "drop-noise");
  assert.equal(a.y, b.y);
  assert.ok(Math.abs(a.x - b.x) >= NODE_WIDTH);
  for (const n of layout.nodes) {
    assert.ok(n.x >= 0 && n.x + n.width <= layout.width, n.name);
    assert.ok(n.y >= 0 && n.y + NODE_HEIGHT <= layout.height, n.name);
  }
});

Deno.test("layoutGraph() keeps branch arms on their edges, with label points between the rows", () => {
  const layout = layoutGraph(OVENS_GRAPH);
  const arms = layout.edges.filter((e) => e.arm).map((e) => [e.to, e.arm]);
  assert.deepEqual(arms, [["to-celsius", "True"], ["drop-noise", "False"]]);
  const branch = node(layout, "hot?");
  for (const e of layout.edges.filter((x) => x.arm)) {
    assert.ok(e.labelY > branch.y + NODE_HEIGHT && e.labelY < node(layout, e.to).y);
    assert.match(e.path, /^M [0-9.]+ [0-9.]+ C /);
  }
  const [t, f] = layout.edges.filter((x) => x.arm);
  assert.ok(Math.abs(t!.labelX - f!.labelX) >= 40, "the two labels do not overlap");
});

Deno.test("layoutGraph() orders a row by its inputs, so edges do not cross", () => {
  const layout = layoutGraph({
    operations: [
      { name: "s", type: "source" },
      { name: "left", type: "map" },
      { name: "right", type: "map" },
      { name: "after-right", type: "map" },
      { name: "after-left", type: "map" },
    ],
    connections: [
      { from: "s", to: "left" },
      { from: "s", to: "right" },
      { from: "right", to: "after-right" },
      { from: "left", to: "after-left" },
    ],
  });
  assert.ok(node(layout, "after-left").x < node(layout, "after-right").x);
});

Deno.test("layoutGraph() survives a cycle and ignores edges to unknown operations", () => {
  const layout = layoutGraph({
    operations: [
      { name: "s", type: "source" },
      { name: "a", type: "map" },
      { name: "b", type: "map" },
    ],
    connections: [
      { from: "s", to: "a" },
      { from: "a", to: "b" },
      { from: "b", to: "a" },
      { from: "b", to: "ghost" },
    ],
  });
  assert.equal(layout.nodes.length, 3);
  assert.equal(layout.edges.length, 3);
  assert.equal(node(layout, "s").layer, 0);
});

Deno.test("layoutGraph() widens nodes so operation names show whole (up to a limit)", () => {
  const graph = {
    operations: [
      { name: "source", type: "source" },
      { name: "module-temperature/map", type: "map", module: "temperature:1.0.0" },
      { name: "module-temperature/accumulate-by-line", type: "accumulate", module: "t:1" },
      { name: "sink", type: "sink" },
    ],
    connections: [
      { from: "source", to: "module-temperature/map" },
      { from: "module-temperature/map", to: "module-temperature/accumulate-by-line" },
      { from: "module-temperature/accumulate-by-line", to: "sink" },
    ],
  };
  const layout = layoutGraph(graph);
  const labels = Object.fromEntries(layout.nodes.map((n) => [n.name, n.label]));
  assert.equal(labels["module-temperature/map"], "module-temperature/map");
  assert.equal(
    labels["module-temperature/accumulate-by-line"],
    "module-temperature/accumulate-by-line",
  );
  assert.ok(layout.nodes.every((n) => n.width > NODE_WIDTH && n.width <= 320));
  // A name past the widest node is cut with an ellipsis (the full name is in its tooltip).
  const long = layoutGraph({
    operations: [{ name: "x".repeat(80), type: "source" }],
    connections: [],
  });
  assert.equal(long.nodes[0]!.width, 320);
  assert.match(long.nodes[0]!.label, /^x+…$/);
});
