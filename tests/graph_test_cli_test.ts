import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { scratchFolder } from "./_scratch.ts";
import { ROOT, samplePath, SAMPLES_PRESENT, SAMPLES_SKIP_NOTE } from "./_samples.ts";

const ready = modulesBuilt("temperature", "temperature-v1", "window");
const note = modulesNote("temperature", "temperature-v1", "window");

async function inputFile(lines: unknown[]): Promise<string> {
  const dir = scratchFolder("weir-graph-test-");
  const path = join(dir, "in.jsonl");
  await writeFile(
    path,
    lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n",
  );
  return path;
}

async function graphTest(graph: string, input: string, ...extra: string[]) {
  const out = memoryOutput();
  const code = await runCli([
    "graph",
    "test",
    graph,
    "--modules",
    MODULES_DIR,
    "--input",
    input,
    ...extra,
  ], out);
  return { code, out, records: out.lines.map((l) => JSON.parse(l)) };
}

const temp = (value: number, unit: string, ts?: string) => ({
  topic: "probe/1",
  payload: JSON.stringify({ temperature: { value, unit } }),
  ...(ts ? { ts } : {}),
});

Deno.test({
  name: "weir graph test runs graph-simple unchanged and matches AIO's expected payload (T01)" +
    note +
    SAMPLES_SKIP_NOTE,
  ignore: !ready || !SAMPLES_PRESENT,
  fn: async () => {
    const payload = await readFile(
      samplePath("tests/t01-simple-temp-conversion/input/temperature_payload.json"),
      "utf8",
    );
    const expected = JSON.parse(
      await readFile(samplePath("tests/t01-simple-temp-conversion/expected/expected.json"), "utf8"),
    );
    const input = await inputFile([{
      topic: "probe/1",
      payload: payload.trim(),
      ts: "1758255553000:0:df",
    }]);
    const { code, records, out } = await graphTest(samplePath("graph-simple.yaml"), input);
    assert.equal(code, 0, out.errors.join("\n"));
    assert.equal(records.length, 1);
    assert.equal(records[0].payload, expected.payload);
    assert.equal(records[0].ts, "001758255553000:00000:df");
    assert.equal(records[0].kind, "message");
  },
});

Deno.test({
  name: "weir graph test runs a 1.0.0-ABI module with the same output (T27)" + note +
    SAMPLES_SKIP_NOTE,
  ignore: !ready || !SAMPLES_PRESENT,
  fn: async () => {
    const input = await inputFile([temp(1209, "F", "1000:0:a"), temp(50, "C", "1001:0:a")]);
    const v11 = await graphTest(samplePath("graph-simple.yaml"), input);
    const v10 = await graphTest(join(ROOT, "tests/fixtures/graphs/simple_v1.yaml"), input);
    assert.equal(v10.code, 0, v10.out.errors.join("\n"));
    assert.deepEqual(v10.records, v11.records);
    assert.equal(v10.records.length, 2);
  },
});

Deno.test({
  name: "weir graph test closes every window at the end of input, same output every run" + note,
  ignore: !ready,
  fn: async () => {
    const input = await inputFile([
      temp(10, "C", "1758255553000:0:df"),
      temp(30, "C", "1758255554000:0:df"),
      temp(20, "C", "1758255561000:0:df"),
    ]);
    const first = await graphTest(join(ROOT, "graphs/window.yaml"), input);
    assert.equal(first.code, 0, first.out.errors.join("\n"));
    assert.deepEqual(first.records.map((r) => r.ts), [
      "001758255560000:00000:df",
      "001758255570000:00000:df",
    ]);
    const w1 = JSON.parse(first.records[0].payload).temperature;
    assert.equal(w1.count, 2);
    assert.equal(w1.max, 30);
    assert.equal(w1.min, 10);
    const second = await graphTest(join(ROOT, "graphs/window.yaml"), input);
    assert.deepEqual(second.out.lines, first.out.lines);
  },
});

Deno.test({
  name: "weir graph test stamps lines without ts deterministically" + note + SAMPLES_SKIP_NOTE,
  ignore: !ready || !SAMPLES_PRESENT,
  fn: async () => {
    const input = await inputFile([temp(50, "C"), temp(51, "C")]);
    const { records } = await graphTest(samplePath("graph-simple.yaml"), input);
    assert.deepEqual(records.map((r) => r.ts), [
      "000000000000000:00000:weir",
      "000000000000000:00001:weir",
    ]);
  },
});

Deno.test({
  name: "weir graph test reports a bad input line with file:line and exits 2" + note +
    SAMPLES_SKIP_NOTE,
  ignore: !ready || !SAMPLES_PRESENT,
  fn: async () => {
    const input = await inputFile([temp(50, "C"), "{not json", temp(1, "C")]);
    const { code, out } = await graphTest(samplePath("graph-simple.yaml"), input);
    assert.equal(code, 2);
    assert.match(out.errors.join("\n"), new RegExp(`${input.replaceAll("/", "\\/")}:2: not JSON`));
    const badTs = await inputFile([{ payload: "x", ts: "yesterday" }]);
    const r2 = await graphTest(samplePath("graph-simple.yaml"), badTs);
    assert.equal(r2.code, 2);
    assert.match(r2.out.errors.join("\n"), /:1: "ts": HLC "yesterday" is malformed/);
  },
});

Deno.test({
  name: "weir graph test names a missing module and its operation" + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT,
  fn: async () => {
    const out = memoryOutput();
    const input = await inputFile([temp(50, "C")]);
    const code = await runCli(
      [
        "graph",
        "test",
        samplePath("graph-simple.yaml"),
        "--modules",
        "/nonexistent",
        "--input",
        input,
      ],
      out,
    );
    assert.equal(code, 1);
    assert.match(
      out.errors.join("\n"),
      /Module "azure-samples\/explore-iot-operations\/temperature:1.0.0" of operation "module-temperature\/map" was not found at "\/nonexistent\/temperature.wasm"/,
    );
  },
});

Deno.test("weir graph test explains usage errors with exit code 2", async () => {
  const out = memoryOutput();
  assert.equal(await runCli(["graph", "test", "g.yaml", "--config", "novalue"], out), 2);
  const text = out.errors.join("\n");
  assert.match(text, /--modules <dir> is required/);
  assert.match(text, /--input <file> is required/);
  assert.match(text, /--config "novalue" must be key=value/);
});

Deno.test({
  name:
    "graphs/temperature.input.jsonl runs through the temperature graph: °F to °C, °C as is, a bad reading dead-lettered" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const { code, records, out } = await graphTest(
      join(ROOT, "graphs/temperature.yaml"),
      join(ROOT, "graphs/temperature.input.jsonl"),
      "--isolation",
      "none",
    );
    assert.equal(code, 0, out.errors.join("\n"));
    assert.deepEqual(
      records.map((r) => [r.topic, JSON.parse(r.payload).temperature.value, r.properties]),
      [
        ["sensors/oven-1", 100, []],
        ["sensors/oven-1", 22.5, [["site", "plant-7"]]],
        ["sensors/oven-2", 21, []],
      ],
    );
    assert.equal(records[2].payload, '{"temperature":{"value":21,"unit":"C"}}', "°C untouched");
    const dead = out.errors.filter((l) => l.startsWith('{"kind":"dead-letter"')).map((l) =>
      JSON.parse(l)
    );
    assert.equal(dead.length, 1);
    assert.equal(dead[0].reason, "Failed to parse payload as JSON");
    assert.equal(dead[0].record.payload, "hot");
  },
});
