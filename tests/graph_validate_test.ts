/**
 * Graph definition loading and validation: one test per rule with a small
 * broken graph (exact rule id, path, line and column), all issues at once,
 * both shapes, the `graph validate` CLI, and every AIO sample graph.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import {
  checkGraph,
  findOperation,
  formatIssue,
  type GraphDefinition,
  type GraphIssue,
  GraphValidationError,
  incoming,
  loadGraphFile,
  outgoing,
  parseGraph,
  topologicalOrder,
} from "../src/graph/mod.ts";
import { WeirError } from "../src/base/mod.ts";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { ROOT, SAMPLES_DIR, SAMPLES_PRESENT, SAMPLES_SKIP_NOTE } from "./_samples.ts";

const FIXTURES = "tests/fixtures/graphs";

/**
 * A valid graph that uses every kind of edge: a branch with both arms, a
 * bare module name, fan-in into a concatenate. Each case below changes a
 * few lines of it, so the line numbers in the cases refer to this text.
 */
const BASE = [
  "moduleRequirements:", // 1
  '  apiVersion: "1.1.0"', // 2
  '  runtimeVersion: "1.1.0"', // 3
  "operations:", // 4
  "  - { operationType: source, name: src }", // 5
  '  - { operationType: branch, name: br, module: "temperature:1.0.0" }', // 6
  '  - { operationType: map, name: hot, module: "temperature:1.0.0" }', // 7
  "  - { operationType: filter, name: cold, module: filter }", // 8
  "  - { operationType: concatenate, name: join }", // 9
  "  - { operationType: sink, name: out }", // 10
  "connections:", // 11
  "  - { from: { name: src }, to: { name: br } }", // 12
  '  - { from: { name: br, arm: "True" }, to: { name: hot } }', // 13
  '  - { from: { name: br, arm: "False" }, to: { name: cold } }', // 14
  "  - { from: { name: hot }, to: { name: join } }", // 15
  "  - { from: { name: cold }, to: { name: join } }", // 16
  "  - { from: { name: join }, to: { name: out } }", // 17
].join("\n") + "\n";

/** BASE with each `[old, new]` replaced; `old` must occur exactly once. */
function variant(...changes: Array<[string, string]>): string {
  let text = BASE;
  for (const [from, to] of changes) {
    assert.equal(text.split(from).length, 2, `"${from}" must occur once in the base graph`);
    text = text.replace(from, to);
  }
  return text;
}

function issuesOf(text: string): readonly GraphIssue[] {
  return checkGraph(text, "g.yaml").issues;
}

/** Asserts the text has exactly this one issue (so no follow-on issues either). */
function assertOnly(
  text: string,
  expected: { rule: string; path: string; line: number; column: number; message?: RegExp },
): void {
  const issues = issuesOf(text);
  assert.equal(issues.length, 1, `expected one issue, got:\n${issues.map(formatIssue).join("\n")}`);
  const [issue] = issues;
  assert.ok(issue);
  assert.deepEqual(
    { rule: issue.rule, path: issue.path, line: issue.line, column: issue.column },
    { rule: expected.rule, path: expected.path, line: expected.line, column: expected.column },
  );
  assert.equal(issue.file, "g.yaml");
  if (expected.message) assert.match(issue.message, expected.message);
}

Deno.test("checkGraph() accepts the base graph of the rule cases", () => {
  const { graph, issues } = checkGraph(BASE, "g.yaml");
  assert.deepEqual(issues, []);
  assert.equal(graph?.operations.length, 6);
});

// ---- YAML syntax ---------------------------------------------------------------------------

Deno.test("checkGraph() reports YAML syntax errors with their place [yaml-syntax]", () => {
  assertOnly(variant(["  - { operationType: sink, name: out }", "  - { operationType: sink"]), {
    rule: "yaml-syntax",
    path: "operations[5].operationType",
    line: 11,
    column: 1,
    message: /Flow map/,
  });
});

Deno.test("checkGraph() reports several YAML documents [yaml-syntax]", () => {
  assertOnly(BASE + "---\nmore: 1\n", {
    rule: "yaml-syntax",
    path: "(root)",
    line: 18,
    column: 1,
    message: /more than one YAML document/,
  });
});

Deno.test("checkGraph() reports a repeated mapping key [duplicate-key]", () => {
  assertOnly(
    variant(['  runtimeVersion: "1.1.0"', '  runtimeVersion: "1.1.0"\n  apiVersion: "2"']),
    {
      rule: "duplicate-key",
      path: "moduleRequirements.apiVersion",
      line: 4,
      column: 3,
    },
  );
});

// ---- structure, from the JSON Schema --------------------------------------------------------

Deno.test("checkGraph() reports an empty document [type]", () => {
  assertOnly("# nothing here\n", {
    rule: "type",
    path: "(root)",
    line: 1,
    column: 1,
    message: /^found an empty document, expected a mapping/,
  });
});

Deno.test("checkGraph() reports a wrong type and suggests quotes [type]", () => {
  assertOnly(variant(['  apiVersion: "1.1.0"', "  apiVersion: 1.10"]), {
    rule: "type",
    path: "moduleRequirements.apiVersion",
    line: 2,
    column: 15,
    message: /^found number 1\.1, expected a string \(write it in quotes: "1\.10"\)$/,
  });
});

Deno.test("checkGraph() reports a missing required field at its parent [required]", () => {
  assertOnly(variant(["{ operationType: sink, name: out }", "{ operationType: sink }"]), {
    rule: "required",
    path: "operations[5].name",
    line: 10,
    column: 5,
    message: /^missing required field "name"$/,
  });
});

Deno.test("checkGraph() requires runtimeVersion or hostlibVersion [required]", () => {
  assertOnly(variant(['  runtimeVersion: "1.1.0"\n', ""]), {
    rule: "required",
    path: "moduleRequirements",
    line: 2,
    column: 3,
    message: /^missing required field "runtimeVersion" or "hostlibVersion"$/,
  });
});

Deno.test("checkGraph() rejects runtimeVersion and hostlibVersion together [one-of]", () => {
  assertOnly(
    variant(['  runtimeVersion: "1.1.0"', '  runtimeVersion: "1.1.0"\n  hostlibVersion: "0.2.0"']),
    {
      rule: "one-of",
      path: "moduleRequirements.hostlibVersion",
      line: 4,
      column: 3,
    },
  );
});

Deno.test("checkGraph() reports an unknown field and the likely one [unknown-field]", () => {
  // Only one issue: the missing module is not blamed, it may be hiding behind the typo.
  assertOnly(variant(["name: cold, module: filter", "name: cold, modul: filter"]), {
    rule: "unknown-field",
    path: "operations[3].modul",
    line: 8,
    column: 42,
    message: /^found unknown field "modul" \(did you mean "module"\?\)/,
  });
});

Deno.test("checkGraph() reports an operationType outside the enum [enum]", () => {
  assertOnly(variant(["operationType: filter", "operationType: filtre"]), {
    rule: "enum",
    path: "operations[3].operationType",
    line: 8,
    column: 22,
    message: /^found string "filtre", expected one of "source", "map", .* or "sink"$/,
  });
});

Deno.test("checkGraph() reports an unquoted True arm as a boolean [enum]", () => {
  assertOnly(variant(['{ name: br, arm: "True" }', "{ name: br, arm: True }"]), {
    rule: "enum",
    path: "connections[1].from.arm",
    line: 13,
    column: 30,
    message:
      /^found boolean true, expected one of "True", "False" or null \(write it in quotes: "True"\)$/,
  });
});

Deno.test("checkGraph() reports a malformed module reference [module-reference]", () => {
  assertOnly(
    variant(['name: hot, module: "temperature:1.0.0"', 'name: hot, module: "Temperature 1.0"']),
    {
      rule: "module-reference",
      path: "operations[2].module",
      line: 7,
      column: 46,
      message: /^found string "Temperature 1\.0", expected a module reference/,
    },
  );
});

Deno.test("checkGraph() reports an empty operation name [min-length]", () => {
  assertOnly(
    variant([
      "{ operationType: concatenate, name: join }",
      '{ operationType: concatenate, name: "" }',
    ]),
    {
      rule: "min-length",
      path: "operations[4].name",
      line: 9,
      column: 41,
    },
  );
  // (the connections to and from "join" are not blamed: names are unknown, so they are skipped)
});

// ---- operations ------------------------------------------------------------------------------

Deno.test("checkGraph() reports a repeated operation name [duplicate-operation]", () => {
  const text = variant([
    "  - { operationType: sink, name: out }",
    "  - { operationType: sink, name: out }\n  - { operationType: map, name: hot, module: m }",
  ]);
  // The second "hot" is never used for connections, so it is neither unreachable nor a dead end.
  assertOnly(text, {
    rule: "duplicate-operation",
    path: "operations[6].name",
    line: 11,
    column: 33,
    message: /^found the operation name "hot" again \(first used by operations\[2\]\)/,
  });
});

Deno.test("checkGraph() requires a module on module operations [module-required]", () => {
  assertOnly(variant([", module: filter }", ", module: null }"]), {
    rule: "module-required",
    path: "operations[3].module",
    line: 8,
    column: 50,
    message: /^found no module on a filter operation/,
  });
  assertOnly(variant([", module: filter }", ', module: "" }']), {
    rule: "module-required",
    path: "operations[3].module",
    line: 8,
    column: 50,
  });
  // A missing module is reported at the operation's mapping.
  assertOnly(variant([", module: filter }", " }"]), {
    rule: "module-required",
    path: "operations[3].module",
    line: 8,
    column: 5,
  });
});

Deno.test("checkGraph() forbids a module on source, sink, concatenate [module-forbidden]", () => {
  const concatenate = "{ operationType: concatenate, name: join";
  assertOnly(variant([concatenate + " }", concatenate + ", module: merge }"]), {
    rule: "module-forbidden",
    path: "operations[4].module",
    line: 9,
    column: 55,
    message: /^found module "merge" on a concatenate operation/,
  });
});

Deno.test("checkGraph() requires exactly one source [source-count]", () => {
  assertOnly(
    variant([
      "operationType: source, name: src }",
      "operationType: source, name: src }\n  - { operationType: source, name: src2 }",
    ]),
    // the extra source is also unreachable, but reachability is not judged with two sources
    { rule: "source-count", path: "operations[1].operationType", line: 6, column: 22 },
  );
  const none = issuesOf(
    variant(["operationType: source, name: src", "operationType: map, name: src, module: m"]),
  );
  assert.deepEqual(
    none.map((i) => [i.rule, i.path, i.line, i.column]),
    [["source-count", "operations", 5, 3]],
  );
});

Deno.test("checkGraph() requires a sink [sink-count]", () => {
  assertOnly(
    variant(["{ operationType: sink, name: out }", "{ operationType: concatenate, name: out }"]),
    {
      rule: "sink-count",
      path: "operations",
      line: 5,
      column: 3,
      message: /^found no sink operation, expected at least one$/,
    },
  );
});

// ---- connections -----------------------------------------------------------------------------

Deno.test("checkGraph() reports a connection to an unknown operation [unknown-operation]", () => {
  assertOnly(variant(["to: { name: hot }", "to: { name: hto }"]), {
    rule: "unknown-operation",
    path: "connections[1].to.name",
    line: 13,
    column: 52,
    message: /^found "hto", expected the name of an operation \(did you mean "hot"\?\)$/,
  });
});

Deno.test("checkGraph() reports a repeated connection [duplicate-connection]", () => {
  assertOnly(BASE + "  - { from: { name: hot }, to: { name: join } }\n", {
    rule: "duplicate-connection",
    path: "connections[6]",
    line: 18,
    column: 5,
  });
});

Deno.test("checkGraph() requires an arm on edges leaving a branch [arm-required]", () => {
  assertOnly(variant(['{ name: br, arm: "False" }', "{ name: br }"]), {
    rule: "arm-required",
    path: "connections[2].from.arm",
    line: 14,
    column: 13,
    message: /^found no arm on a connection leaving branch "br", expected arm "True" or "False"$/,
  });
});

Deno.test("checkGraph() forbids an arm on edges leaving a non-branch [arm-forbidden]", () => {
  assertOnly(variant(["{ from: { name: hot }", '{ from: { name: hot, arm: "False" }']), {
    rule: "arm-forbidden",
    path: "connections[3].from.arm",
    line: 15,
    column: 31,
    message: /^found arm "False" on a connection leaving map "hot"/,
  });
});

Deno.test("checkGraph() allows one edge per branch arm [duplicate-arm]", () => {
  assertOnly(variant(['arm: "False" }', 'arm: "True" }']), {
    rule: "duplicate-arm",
    path: "connections[2].from.arm",
    line: 14,
    column: 30,
    message: /the first is connections\[1\]/,
  });
});

Deno.test("checkGraph() allows fan-in only into concatenate and sink [fan-in]", () => {
  assertOnly(
    variant([
      "{ operationType: concatenate, name: join }",
      '{ operationType: map, name: join, module: "m:1" }',
    ]),
    {
      rule: "fan-in",
      path: "connections[4].to.name",
      line: 16,
      column: 41,
      message: /^found 2 connections into map "join" \(from "hot", "cold"\)/,
    },
  );
  // Fan-in into the sink is fine: both branch paths straight to "out".
  const text = variant(
    [
      "to: { name: join } }\n  - { from: { name: cold }, to: { name: join } }",
      "to: { name: out } }\n  - { from: { name: cold }, to: { name: out } }",
    ],
    ["  - { operationType: concatenate, name: join }\n", ""],
    ["  - { from: { name: join }, to: { name: out } }\n", ""],
  );
  assert.deepEqual(issuesOf(text), []);
});

/** The issues as `[rule, path, line, column]`, for cases where one change breaks two rules. */
function placed(text: string): Array<[string, string, number, number]> {
  return issuesOf(text).map((i) => [i.rule, i.path, i.line, i.column]);
}

Deno.test("checkGraph() forbids edges into the source [source-incoming]", () => {
  // An edge back into the source always closes a cycle too (or leaves its start unreachable).
  assert.deepEqual(placed(BASE + "  - { from: { name: hot }, to: { name: src } }\n"), [
    ["cycle", "connections[6]", 18, 5],
    ["source-incoming", "connections[6].to.name", 18, 40],
  ]);
});

Deno.test("checkGraph() forbids edges out of a sink [sink-outgoing]", () => {
  assert.deepEqual(placed(BASE + "  - { from: { name: out }, to: { name: join } }\n"), [
    ["cycle", "connections[6]", 18, 5],
    ["sink-outgoing", "connections[6].from.name", 18, 21],
  ]);
});

// ---- graph shape -----------------------------------------------------------------------------

Deno.test("checkGraph() reports a cycle with its path [cycle]", async () => {
  const text = await Deno.readTextFile(join(FIXTURES, "cycle.yaml"));
  assertOnly(text, {
    rule: "cycle",
    path: "connections[2]",
    line: 23,
    column: 5,
    message: /^found a cycle "merge" → "step" → "merge", expected an acyclic graph$/,
  });
  // A self-loop on the concatenate (which may take several inputs, so no fan-in issue).
  assertOnly(
    BASE + "  - { from: { name: join }, to: { name: join } }\n",
    {
      rule: "cycle",
      path: "connections[6]",
      line: 18,
      column: 5,
      message: /^found a cycle "join" → "join"/,
    },
  );
});

Deno.test("checkGraph() requires every operation to be reachable from the source [unreachable]", () => {
  const text = variant([
    "  - { operationType: sink, name: out }",
    "  - { operationType: sink, name: out }\n  - { operationType: map, name: lost, module: m }",
  ]) +
    "  - { from: { name: lost }, to: { name: out } }\n";
  assertOnly(text, {
    rule: "unreachable",
    path: "operations[6].name",
    line: 11,
    column: 33,
    message: /^found map "lost" with no path from source "src"/,
  });
});

Deno.test("checkGraph() reports an operation whose output goes nowhere [dead-end]", () => {
  const text = variant([
    "  - { operationType: sink, name: out }",
    "  - { operationType: sink, name: out }\n  - { operationType: map, name: spare, module: m }",
  ]) +
    "  - { from: { name: hot }, to: { name: spare } }\n";
  assertOnly(text, {
    rule: "dead-end",
    path: "operations[6].name",
    line: 11,
    column: 33,
    message: /^found map "spare" with no outgoing connection/,
  });
});

// ---- references ------------------------------------------------------------------------------

const CONFIG = [
  "moduleConfigurations:", // 18
  "  - name: hot", // 19
  "    parameters:", // 20
  "      key1: { name: key1 }", // 21
];

Deno.test("checkGraph() requires configurations to name an operation [unknown-configuration]", () => {
  assertOnly(BASE + [...CONFIG, "  - name: cool", "    parameters: {}"].join("\n") + "\n", {
    rule: "unknown-configuration",
    path: "moduleConfigurations[1].name",
    line: 22,
    column: 11,
    message:
      /^found configuration for "cool", expected the name of an operation \(did you mean "cold"\?\)$/,
  });
});

Deno.test("checkGraph() allows one configuration per operation [duplicate-configuration]", () => {
  assertOnly(BASE + [...CONFIG, "  - name: hot", "    parameters: {}"].join("\n") + "\n", {
    rule: "duplicate-configuration",
    path: "moduleConfigurations[1].name",
    line: 22,
    column: 11,
  });
});

Deno.test("checkGraph() requires schemaName to name a schema [unknown-schema]", () => {
  const text = variant(["{ from: { name: hot }", "{ from: { name: hot, schemaName: temps }"]) +
    'schemas:\n  - { name: temp, format: json, schema: "{}" }\n';
  assertOnly(text, {
    rule: "unknown-schema",
    path: "connections[3].from.schemaName",
    line: 15,
    column: 38,
    message:
      /^found schema name "temps", expected the name of an entry of "schemas" \(did you mean "temp"\?\)$/,
  });
});

Deno.test("checkGraph() allows each schema name once [duplicate-schema]", () => {
  const text = BASE + 'schemas:\n  - { name: temp, format: json, schema: "{}" }\n' +
    '  - { name: temp, format: json, schema: "[]" }\n';
  assertOnly(text, { rule: "duplicate-schema", path: "schemas[1].name", line: 20, column: 13 });
});

// ---- every issue at once ---------------------------------------------------------------------

Deno.test("checkGraph() reports every issue of a file at once, in file order", async () => {
  const text = await Deno.readTextFile(join(FIXTURES, "many_errors.yaml"));
  const { graph, issues } = checkGraph(text, "many_errors.yaml");
  assert.equal(graph, undefined);
  assert.deepEqual(issues.map((i) => [i.line, i.column, i.path, i.rule]), [
    [4, 12, "metadata.version", "type"],
    [11, 20, "operations[1].operationType", "enum"],
    [14, 5, "operations[2].module", "module-required"],
    [18, 13, "operations[3].module", "module-forbidden"],
    [32, 13, "connections[2].to.name", "unknown-operation"],
  ]);
  // The arm on the edge leaving "convert" is not judged: its operationType is unknown.
  assert.equal(
    formatIssue(issues[4] as GraphIssue),
    'many_errors.yaml:32:13: connections[2].to.name: found "snik", expected the name of an ' +
      'operation (did you mean "sink"?) [unknown-operation]',
  );
});

Deno.test("parseGraph() throws GraphValidationError with code graph_invalid and all issues", async () => {
  const text = await Deno.readTextFile(join(FIXTURES, "many_errors.yaml"));
  const error = thrown(() => parseGraph(text, "m.yaml"));
  assert.ok(error instanceof GraphValidationError);
  assert.ok(error instanceof WeirError);
  assert.equal(error.code, "graph_invalid");
  assert.equal(error.issues.length, 5);
  assert.equal(error.message.split("\n")[0], 'Graph "m.yaml" is invalid (5 issues)');
  assert.equal(error.message.split("\n")[1], formatIssue(error.issues[0] as GraphIssue));
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail("expected an error");
}

// ---- the model -------------------------------------------------------------------------------

Deno.test("parseGraph() loads the preview shape (hostlibVersion, no metadata)", async () => {
  const graph = await loadGraphFile(join(FIXTURES, "preview.yaml"));
  assert.equal(graph.shape, "preview");
  assert.equal(graph.metadata, null);
  assert.equal(graph.apiVersion, "0.2.0");
  assert.equal(graph.runtimeVersion, "0.2.0");
  assert.equal(graph.source, join(FIXTURES, "preview.yaml"));
  assert.deepEqual(graph.moduleConfigurations, [{
    name: "module-temperature/filter",
    parameters: [{
      key: "temperature_lower_bound",
      name: "temperature_lower_bound",
      description: "Minimum valid temperature in Celsius",
      required: true,
      default: null,
    }],
  }]);
  assert.deepEqual(graph.operations.map((op) => [op.name, op.operationType, op.module]), [
    ["source", "source", null],
    ["module-temperature/filter", "filter", "temperature:0.1.0"],
    ["sink", "sink", null],
  ]);
});

Deno.test("parseGraph() builds the 1.0.0 model with defaults filled in", () => {
  const text = BASE.replace(
    "moduleRequirements:\n",
    [
      "metadata:",
      '  $schema: "https://www.schemastore.org/aio-wasm-graph-config-1.0.0.json"',
      "  name: base",
      '  version: "2.0.0"',
      "moduleRequirements:",
      "  features:",
      "    - name: wasi-nn",
      "",
    ].join("\n"),
  ) + [
    "moduleConfigurations:",
    "  - name: hot",
    "    parameters:",
    "      key1: { name: key2, default: '5', extra: ignored }",
    "schemas:",
    '  - { name: temp, format: json, schema: "{}" }',
    "",
  ].join("\n");
  const graph = parseGraph(
    text.replace("{ from: { name: hot }", "{ from: { name: hot, schemaName: temp }"),
    "base.yaml",
  );
  assert.equal(graph.shape, "1.0.0");
  assert.deepEqual(graph.metadata, {
    schemaUrl: "https://www.schemastore.org/aio-wasm-graph-config-1.0.0.json",
    name: "base",
    version: "2.0.0",
    description: null,
    vendor: null,
  });
  assert.deepEqual(graph.features, [{ name: "wasi-nn", value: null }]);
  assert.deepEqual(graph.moduleConfigurations[0]?.parameters, [
    { key: "key1", name: "key2", description: null, required: false, default: "5" },
  ]);
  assert.deepEqual(graph.schemas, [{ name: "temp", format: "json", schema: "{}" }]);
  assert.deepEqual(graph.connections.slice(1, 4), [
    { from: "br", arm: "True", schemaName: null, to: "hot" },
    { from: "br", arm: "False", schemaName: null, to: "cold" },
    { from: "hot", arm: null, schemaName: "temp", to: "join" },
  ]);
  // concatenate carries no module; a bare module name (local devx build) is kept as written
  assert.equal(findOperation(graph, "join")?.module, null);
  assert.equal(findOperation(graph, "cold")?.module, "filter");
});

Deno.test("parseGraph() accepts module references with a path, a port or a digest", () => {
  for (
    const module of [
      "azure-samples/explore-iot-operations/temperature:1.0.0",
      "localhost:5000/weir/temperature:1.0.0-rc.1",
      `temperature@sha256:${"0".repeat(64)}`,
      "otel-enrich",
    ]
  ) {
    const branch = "name: br, module: ";
    const graph = parseGraph(
      variant([`${branch}"temperature:1.0.0"`, `${branch}"${module}"`]),
      "m",
    );
    assert.equal(graph.operations[1]?.module, module);
  }
});

Deno.test("parseGraph() accepts a branch with one arm and empty optional lists", () => {
  const text = variant(
    ['  - { from: { name: br, arm: "False" }, to: { name: cold } }\n', ""],
    ["  - { operationType: filter, name: cold, module: filter }\n", ""],
    ["  - { from: { name: cold }, to: { name: join } }\n", ""],
  ) + "moduleConfigurations:\nschemas: []\n";
  const graph = parseGraph(text, "one-arm.yaml");
  assert.deepEqual(outgoing(graph, "br").map((c) => c.arm), ["True"]);
  assert.deepEqual(graph.moduleConfigurations, []);
});

Deno.test("topologicalOrder(), outgoing() and incoming() follow the edges in file order", () => {
  const graph = parseGraph(BASE, "base.yaml");
  assert.deepEqual(topologicalOrder(graph).map((op) => op.name), [
    "src",
    "br",
    "hot",
    "cold",
    "join",
    "out",
  ]);
  assert.deepEqual(outgoing(graph, "br").map((c) => [c.arm, c.to]), [["True", "hot"], [
    "False",
    "cold",
  ]]);
  assert.deepEqual(incoming(graph, "join").map((c) => c.from), ["hot", "cold"]);
  assert.deepEqual(incoming(graph, "src"), []);
  assert.deepEqual(outgoing(graph, "out"), []);
  assert.equal(findOperation(graph, "nope"), undefined);
});

Deno.test("topologicalOrder() refuses a hand-built graph with a cycle", () => {
  const graph: GraphDefinition = {
    ...parseGraph(BASE, "base.yaml"),
    connections: [
      { from: "hot", arm: null, schemaName: null, to: "cold" },
      { from: "cold", arm: null, schemaName: null, to: "hot" },
    ],
  };
  const error = thrown(() => topologicalOrder(graph));
  assert.ok(error instanceof WeirError);
  assert.equal(error.code, "graph_invalid");
  assert.match(error.message, /cycle through "hot", "cold"/);
});

Deno.test("loadGraphFile() turns a read failure into code graph_io", async () => {
  const path = join(FIXTURES, "missing.yaml");
  const error = await loadGraphFile(path).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof WeirError);
  assert.equal(error.code, "graph_io");
  assert.match(error.message, /^Cannot read graph file "tests\/fixtures\/graphs\/missing\.yaml": /);
});

Deno.test({
  name: "checkGraph() needs no env permission, though the yaml package reads LOG_TOKENS",
  permissions: { read: true, env: false },
  fn: () => {
    const env = process.env;
    assert.equal(checkGraph(BASE, "g.yaml").graph?.operations.length, 6);
    assert.equal(process.env, env, "process.env is restored");
  },
});

// ---- the CLI ---------------------------------------------------------------------------------

Deno.test("weir graph validate prints ok per valid file and exits 0", async () => {
  const output = memoryOutput();
  const files = [join(FIXTURES, "valid.yaml"), join(FIXTURES, "preview.yaml")];
  assert.equal(await runCli(["graph", "validate", ...files], output), 0);
  assert.deepEqual(output.lines, files.map((f) => `ok ${f}`));
  assert.deepEqual(output.errors, []);
});

Deno.test("weir graph validate prints every issue of invalid files and exits 1", async () => {
  const output = memoryOutput();
  const valid = join(FIXTURES, "valid.yaml");
  const cycle = join(FIXTURES, "cycle.yaml");
  const many = join(FIXTURES, "many_errors.yaml");
  assert.equal(await runCli(["graph", "validate", cycle, valid, many], output), 1);
  assert.deepEqual(output.lines, [`ok ${valid}`]);
  assert.equal(output.errors.length, 6);
  assert.equal(
    output.errors[0],
    `${cycle}:23:5: connections[2]: found a cycle "merge" → "step" → "merge", expected an ` +
      "acyclic graph [cycle]",
  );
  assert.deepEqual(output.errors.slice(1).map((l) => l.slice(0, l.indexOf(": "))), [
    `${many}:4:12`,
    `${many}:11:20`,
    `${many}:14:5`,
    `${many}:18:13`,
    `${many}:32:13`,
  ]);
});

Deno.test("weir graph validate reports an unreadable file and exits 1", async () => {
  const output = memoryOutput();
  const missing = join(FIXTURES, "missing.yaml");
  assert.equal(await runCli(["graph", "validate", missing], output), 1);
  assert.deepEqual(output.lines, []);
  assert.equal(output.errors.length, 1);
  assert.match(
    output.errors[0] ?? "",
    /^tests\/fixtures\/graphs\/missing\.yaml: Cannot read .* \[graph_io\]$/,
  );
});

Deno.test("weir graph validate exits 2 on usage errors", async () => {
  const none = memoryOutput();
  assert.equal(await runCli(["graph", "validate"], none), 2);
  assert.deepEqual(none.errors, [
    "weir graph validate: no files given",
    "Usage: weir graph validate <file>...",
  ]);
  const option = memoryOutput();
  assert.equal(await runCli(["graph", "validate", "--strict", "x.yaml"], option), 2);
  assert.equal(option.errors[0], 'weir graph validate: unknown option "--strict"');
  // After `--` a file may start with a dash.
  const dashed = memoryOutput();
  assert.equal(await runCli(["graph", "validate", "--", "-missing.yaml"], dashed), 1);
  assert.match(dashed.errors[0] ?? "", /^-missing\.yaml: Cannot read/);
});

// ---- the AIO samples ---------------------------------------------------------------------------

/** Every `*.yaml` under a folder; the samples' `*.test.yaml` are test-runner specs, not graphs. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".yaml"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

Deno.test({
  name: `every AIO sample graph validates unchanged${SAMPLES_SKIP_NOTE}`,
  ignore: !SAMPLES_PRESENT,
  fn: async () => {
    const all = yamlFiles(SAMPLES_DIR);
    const specs = all.filter((f) => f.endsWith(".test.yaml"));
    const graphs = all.filter((f) => !f.endsWith(".test.yaml"));
    assert.ok(graphs.length >= 9, `expected the 9 sample graphs, found ${graphs.length}`);
    // Every graph a sample test runs must be among the graphs checked here.
    for (const spec of specs) {
      const target = /^graph:\s*"?([^"\n]+)"?/m.exec(readFileSync(spec, "utf8"))?.[1];
      assert.ok(target, `${spec} names no graph`);
      assert.ok(graphs.includes(join(dirname(spec), target)), `${spec} runs an unchecked graph`);
    }
    for (const file of graphs) {
      const { graph, issues } = checkGraph(await Deno.readTextFile(file), relative(ROOT, file));
      assert.deepEqual(issues.map(formatIssue), [], file);
      assert.equal(graph?.shape, "1.0.0");
    }
    const complex = await loadGraphFile(join(SAMPLES_DIR, "graph.dataflow.yaml"));
    assert.equal(complex.operations.length, 15);
    assert.deepEqual(complex.features, [{ name: "wasi-nn", value: null }]);
    assert.equal(topologicalOrder(complex).at(-1)?.name, "sink");
    assert.deepEqual(incoming(complex, "concatenate1").map((c) => c.from), [
      "module-snapshot/accumulate",
      "module-humidity/accumulate",
      "module-temperature/accumulate",
    ]);
  },
});
