import assert from "node:assert/strict";
import { join } from "node:path";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";

async function example(dir: string, name: string, ...extra: string[]) {
  const out = memoryOutput();
  const base = join(ROOT, "modules", dir, "examples");
  const code = await runCli(
    [
      "graph",
      "test",
      join(base, `${name}.yaml`),
      "--modules",
      MODULES_DIR,
      "--input",
      join(base, `${name}.jsonl`),
      ...extra,
    ],
    out,
  );
  assert.equal(code, 0, out.errors.join("\n"));
  return out.lines.map((l) => JSON.parse(l).payload as string);
}

Deno.test({
  name: "Python map converts °F to whole °C (T23)" + modulesNote("py-map"),
  ignore: !modulesBuilt("py-map"),
  fn: async () => {
    const payloads = await example("python", "map");
    assert.equal(payloads[0], '{"temperature": {"value": 654, "unit": "C"}}');
  },
});

Deno.test({
  name: "Python filter drops readings under the threshold, configurable (T24)" +
    modulesNote("py-filter"),
  ignore: !modulesBuilt("py-filter"),
  fn: async () => {
    assert.deepEqual(await example("python", "filter"), [
      '{"temperature":{"value":86,"unit":"F"}}',
      '{"humidity":{"value":85}}',
    ]);
    assert.equal(
      (await example("python", "filter", "--config", "temperature_threshold=5")).length,
      3,
    );
  },
});

Deno.test({
  name: "Python branch sends temperature to arm False and humidity to arm True (T25)" +
    modulesNote("py-branch", "py-map"),
  ignore: !modulesBuilt("py-branch", "py-map"),
  fn: async () => {
    // The False arm runs through py-map; the True arm goes straight to the sink.
    assert.deepEqual(await example("python", "branch"), [
      '{"temperature": {"value": 654, "unit": "C"}}',
      '{"humidity":{"value":85}}',
    ]);
  },
});

Deno.test({
  name: "JS map converts °F to °C" + modulesNote("js-map"),
  ignore: !modulesBuilt("js-map"),
  fn: async () => {
    const payloads = await example("js", "map");
    assert.equal(payloads[0], '{"temperature":{"value":653.8888888888889,"unit":"C"}}');
  },
});
