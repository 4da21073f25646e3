import assert from "node:assert/strict";
import { join } from "node:path";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { resolveConfigurations } from "../src/gateway/mod.ts";
import { loadGraphFile } from "../src/graph/mod.ts";
import { MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";

const fixture = join(ROOT, "tests/fixtures/graphs/temperature_filter.yaml");

Deno.test("resolveConfigurations() applies defaults, then values under the key or the name, delivered under both", async () => {
  const graph = await loadGraphFile(fixture);
  const byKey = resolveConfigurations(graph, new Map([["temperature_lower_bound", "-10"]]));
  assert.deepEqual(byKey.get("module-temperature/filter"), [
    ["temperature_lower_bound", "-10"],
    ["upper", "5000"],
    ["temperature_upper_bound", "5000"],
  ]);
  const byName = resolveConfigurations(
    graph,
    new Map([["temperature_lower_bound", "0"], ["temperature_upper_bound", "40"]]),
  );
  assert.deepEqual(byName.get("module-temperature/filter"), [
    ["temperature_lower_bound", "0"],
    ["upper", "40"],
    ["temperature_upper_bound", "40"],
  ]);
});

Deno.test("resolveConfigurations() names the operation and parameter of a missing required value", async () => {
  const graph = await loadGraphFile(fixture);
  assert.throws(
    () => resolveConfigurations(graph, new Map()),
    /Required configuration has no value: operation "module-temperature\/filter" parameter "temperature_lower_bound"/,
  );
});

async function filterRun(...config: string[]) {
  const input = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(
    input,
    [5, 50, 500].map((v) =>
      JSON.stringify({ payload: JSON.stringify({ temperature: { value: v, unit: "C" } }) })
    )
      .join("\n"),
  );
  const out = memoryOutput();
  const code = await runCli(
    [
      "graph",
      "test",
      fixture,
      "--modules",
      MODULES_DIR,
      "--input",
      input,
      ...config.flatMap((c) => ["--config", c]),
    ],
    out,
  );
  return { code, out };
}

Deno.test({
  name: "configuration reaches init: the filter keeps only values within the bounds" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const { code, out } = await filterRun(
      "temperature_lower_bound=10",
      "temperature_upper_bound=100",
    );
    assert.equal(code, 0, out.errors.join("\n"));
    assert.deepEqual(out.lines.map((l) => JSON.parse(JSON.parse(l).payload).temperature.value), [
      50,
    ]);
  },
});

Deno.test({
  name: "init returning false stops the graph from starting, naming the operation" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const { code, out } = await filterRun("temperature_lower_bound=not-a-number");
    assert.equal(code, 1);
    assert.equal(out.lines.length, 0);
    assert.match(
      out.errors.join("\n"),
      /Operation "module-temperature\/filter": init returned false; the module refused its configuration \(temperature_lower_bound, upper, temperature_upper_bound\) \[module_init_failed\]/,
    );
    const missing = await filterRun();
    assert.equal(missing.code, 1);
    assert.match(missing.out.errors.join("\n"), /parameter "temperature_lower_bound"/);
  },
});
