/** A dataflow's graph comes from a file or an OCI reference, never both, never neither. */
import assert from "node:assert/strict";
import { checkConfig, parseConfig } from "../src/gateway/mod.ts";

function configWith(graph: unknown): string {
  return JSON.stringify({
    endpoints: { local: { url: "mqtt://127.0.0.1:1883" } },
    dataflows: {
      flow: {
        source: { endpoint: "local", topics: ["in/#"] },
        graph,
        destination: { endpoint: "local", topic: "out" },
      },
    },
    dataDir: "/tmp/weir-config-test",
  });
}

Deno.test("config: a graph by OCI reference, with an optional watch interval", () => {
  const config = parseConfig(configWith({ ref: "127.0.0.1:5000/graphs/simple:1.0.0" }), "c");
  assert.deepEqual(config.dataflows.flow!.graph, {
    ref: "127.0.0.1:5000/graphs/simple:1.0.0",
    watchSeconds: 0,
  });
  const watched = parseConfig(configWith({ ref: "127.0.0.1:5000/g:1", watchSeconds: 30 }), "c");
  assert.equal(watched.dataflows.flow!.graph?.watchSeconds, 30);
  const file = parseConfig(configWith({ file: "/srv/graph.yaml" }), "c");
  assert.deepEqual(file.dataflows.flow!.graph, { file: "/srv/graph.yaml" });
});

Deno.test("config: file and ref together, neither, or a watch on a file are clear errors", () => {
  const lines = (graph: unknown) =>
    checkConfig(configWith(graph), "c.json").issues.map((i) =>
      `${i.path}: ${i.message} [${i.rule}]`
    );
  assert.deepEqual(lines({ file: "/g.yaml", ref: "127.0.0.1:5000/g:1" }), [
    "dataflows.flow.graph: found both file and ref, expected one of them [graph-source]",
  ]);
  assert.deepEqual(lines({}), [
    "dataflows.flow.graph: found neither file nor ref, expected a graph file or an OCI reference [graph-source]",
  ]);
  assert.deepEqual(lines({ file: "/g.yaml", watchSeconds: 5 }), [
    "dataflows.flow.graph.watchSeconds: found watchSeconds with a file, expected it only with ref [graph-source]",
  ]);
});
