/**
 * Compatibility cases (docs/aio-compatibility.md) that AIO's own test folder does not
 * cover, run through `weir graph test` with the sample graphs unchanged where
 * one exists, and small graphs of ours otherwise.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { MODULES_DIR, modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT, samplePath, SAMPLES_PRESENT, SAMPLES_SKIP_NOTE } from "./_samples.ts";

// deno-lint-ignore no-explicit-any
type Line = any;

async function graphTest(graph: string, lines: Line[], ...extra: string[]) {
  const input = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(input, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const deadLetters = await Deno.makeTempFile({ suffix: ".jsonl" });
  const out = memoryOutput();
  const code = await runCli(
    [
      "graph",
      "test",
      graph,
      "--modules",
      MODULES_DIR,
      "--input",
      input,
      "--dead-letter",
      deadLetters,
      ...extra,
    ],
    out,
  );
  assert.equal(code, 0, out.errors.join("\n"));
  const dead = (await Deno.readTextFile(deadLetters)).split("\n").filter((l) => l).map((l) =>
    JSON.parse(l)
  );
  return { records: out.lines.map((l) => JSON.parse(l)), dead };
}

const opcGraph = samplePath("graph-opc-ua.yaml");
const ts = "2026-01-01T00:00:00Z";

Deno.test({
  name: "opc-ua copy_all copies non-tag fields into every row (T06b)" + modulesNote("opc-ua") +
    SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("opc-ua"),
  fn: async () => {
    const payload = JSON.stringify({
      Tag1: { Value: 100, SourceTimestamp: ts },
      Tag2: { Value: 200, SourceTimestamp: ts },
      NonTag1: { Other: 1 },
      NonTag2: 123,
    });
    const { records } = await graphTest(opcGraph, [{ payload }], "--config", "copy_all=true");
    const rows = JSON.parse(records[0].payload);
    assert.deepEqual(rows.map((r: Line) => r.tag), ["Tag1", "Tag2"]);
    for (const row of rows) {
      assert.deepEqual(row.NonTag1, { Other: 1 });
      assert.equal(row.NonTag2, 123);
    }
  },
});

Deno.test({
  name: "opc-ua headers copy a user property into the rows (T06c)" + modulesNote("opc-ua") +
    SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("opc-ua"),
  fn: async () => {
    const payload = JSON.stringify({ Temperature: { Value: 23.5, SourceTimestamp: ts } });
    const { records } = await graphTest(
      opcGraph,
      [{ payload, properties: [["src", "GB"]] }],
      "--config",
      "headers=src=source",
    );
    assert.equal(JSON.parse(records[0].payload)[0].source, "GB");
  },
});

Deno.test({
  name: "otel-transform turns a reading into a metric, byte-exact (T12b)" +
    modulesNote("otel-transform") +
    SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("otel-transform"),
  fn: async () => {
    const { records } = await graphTest(
      samplePath("graph-otel-transform.yaml"),
      [{ payload: JSON.stringify({ tag: "Temperature", value: 23.5, timestamp: ts }) }],
      ...[
        "metricValuePath=value",
        "metricNamePath=tag",
        "metricTimestampPath=timestamp",
        "metricUnits=C",
      ]
        .flatMap((c) => ["--config", c]),
    );
    assert.equal(
      records[0].payload,
      '{"metrics":[{"name":"Temperature","value":23.5,"metric_type":"type-placeholder","unit":"C","timestamp":1767225600000000000,"attributes":null}]}',
    );
  },
});

Deno.test({
  name:
    "otel-transform without metricValuePath traps on each message; later messages are still processed (T12c)" +
    modulesNote("otel-transform") + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("otel-transform"),
  fn: async () => {
    const { records, dead } = await graphTest(samplePath("graph-otel-transform.yaml"), [
      { payload: '{"a":1}' },
      { payload: '{"a":2}' },
      { payload: '{"a":3}' },
    ]);
    assert.equal(records.length, 0);
    assert.equal(dead.length, 3);
    for (const d of dead) assert.match(d.reason, /Module trapped/);
  },
});

Deno.test({
  name: "otel enrich + transform add state-store attributes to the metric (T12)" +
    modulesNote("otel-enrich", "otel-transform") + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("otel-enrich", "otel-transform"),
  fn: async () => {
    const { records } = await graphTest(
      samplePath("graph-otel.yaml"),
      [{ payload: '{"temperature":{"value":360,"unit":"F"}}' }],
      "--state",
      samplePath("statestore-scenario/statestore.json"),
      ...[
        "enrichKeys=factoryId,machineId",
        "metricValuePath=temperature.value",
        "metricName=temperature",
      ]
        .flatMap((c) => ["--config", c]),
    );
    const metric = JSON.parse(records[0].payload).metrics[0];
    assert.equal(metric.name, "temperature");
    assert.equal(metric.value, 360);
    assert.match(records[0].payload, /"value":360\.0/);
    assert.deepEqual(metric.attributes, [
      { key: "factoryId", value: "factoryA" },
      { key: "machineId", value: "machineA" },
    ]);
  },
});

Deno.test({
  name: "humidity accumulates one window (T15)" + modulesNote("window", "humidity"),
  ignore: !modulesBuilt("window", "humidity"),
  fn: async () => {
    const { records } = await graphTest(
      join(ROOT, "tests/fixtures/graphs/humidity_window.yaml"),
      [85, 45, 79].map((v, i) => ({
        payload: JSON.stringify({ humidity: { value: v } }),
        ts: `1758255551000:${i}:d`,
      })),
    );
    assert.equal(records.length, 1);
    const h = JSON.parse(records[0].payload).humidity;
    assert.equal(h.count, 3);
    assert.equal(h.max, 85);
    assert.equal(h.min, 45);
    assert.equal(h.average, 69.66666666666667);
  },
});

Deno.test({
  name:
    "format turns a raw 224×224 RGB frame into an rgb24 snapshot, and refuses random bytes (T17, T17b)" +
    modulesNote("format") + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("format"),
  fn: async () => {
    const frame = await readFile(samplePath("images/laptop.raw"));
    const random = crypto.getRandomValues(new Uint8Array(1000));
    const { records, dead } = await graphTest(join(ROOT, "tests/fixtures/graphs/format.yaml"), [
      { topic: "snapshot_simulation", payloadBase64: frame.toString("base64") },
      { topic: "snapshot_simulation", payloadBase64: Buffer.from(random).toString("base64") },
    ]);
    assert.equal(records.length, 1);
    assert.equal(records[0].kind, "snapshot");
    assert.equal(records[0].format, "rgb24");
    assert.equal(records[0].width, 224);
    assert.equal(records[0].height, 224);
    assert.equal(records[0].payloadBase64, frame.toString("base64"));
    assert.equal(dead.length, 1);
    assert.match(dead[0].reason, /Unexpected image format or size/);
  },
});

const entry = (max: number, min: number) => ({
  count: 1,
  max,
  min,
  average: max,
  last: max,
  unit: "C",
  value: max,
});

Deno.test({
  name: "enrichment flags over-temperature and keeps its state in the store (T20, T21)" +
    modulesNote("enrichment", "otel-enrich"),
  ignore: !modulesBuilt("enrichment", "otel-enrich"),
  fn: async () => {
    // Separate runs: within one run the read-back sees the store after the whole batch.
    const fixture = join(ROOT, "tests/fixtures/graphs/enrichment_readback.yaml");
    // collection's output wraps a window's results in "sensor_data"
    const t20 = await graphTest(fixture, [{
      payload: JSON.stringify({
        sensor_data: {
          temperature: [entry(653.9, 653.9)],
          humidity: [{ count: 1, max: 85, min: 85, average: 85, last: 85 }],
        },
      }),
    }]);
    assert.deepEqual(t20.dead, []);
    const p20 = JSON.parse(t20.records[0].payload);
    assert.equal(p20.temperature[0].overtemp, true);
    assert.ok(!("value" in p20.temperature[0]), "value fields are removed");
    assert.equal(t20.records[0].topic, "sensors");
    const props20 = Object.fromEntries(t20.records[0].properties);
    assert.equal(props20["otel/overtemp"], "true");
    assert.equal(props20["otel/overtemp_count"], "1");
    assert.equal(props20["otel/wet_flag"], "85");
    const t21 = await graphTest(fixture, [{
      payload: JSON.stringify({ sensor_data: { temperature: [entry(50, -5)], humidity: [] } }),
    }]);
    assert.equal(JSON.parse(t21.records[0].payload).temperature[0].overtemp, false);
    assert.equal(Object.fromEntries(t21.records[0].properties)["otel/overtemp"], "false");
  },
});

Deno.test({
  name: "viconverter flattens detections into rows, byte-exact (T22)" + modulesNote("viconverter"),
  ignore: !modulesBuilt("viconverter"),
  fn: async () => {
    const input =
      '{"id":1,"height":1080,"width":1920,"detections":[{"Id":"d1","insightName":"person","modelType":"od","instances":[{"x":0.1,"y":0.2,"width":0.3,"height":0.4,"start":0.0,"end":1.5,"startTime":"0:00:00","endTime":"0:00:01.5","confidence":0.9}]}]}';
    const { records, dead } = await graphTest(
      join(ROOT, "tests/fixtures/graphs/viconverter.yaml"),
      [
        { payload: input },
        { payload: "not json" },
      ],
    );
    assert.equal(
      records[0].payload,
      '[{"id":1,"frame_width":1920,"frame_height":1080,"detection_id":"d1","insight_name":"person","model_type":"od","x":0.1,"y":0.2,"width":0.3,"height":0.4,"start":0.0,"end":1.5,"start_time":"0:00:00","end_time":"0:00:01.5","confidence":0.9}]',
    );
    assert.equal(dead.length, 1);
    assert.match(dead[0].reason, /Module trapped/);
  },
});

Deno.test({
  name: "the schema filter without a schema refuses to start: the graph does not run (T10b)" +
    modulesNote("filter") + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("filter"),
  fn: async () => {
    const input = await Deno.makeTempFile({ suffix: ".jsonl" });
    await Deno.writeTextFile(input, '{"payload":"{\\"humidity\\":175,\\"temperature\\":12.5}"}\n');
    const out = memoryOutput();
    const code = await runCli(
      [
        "graph",
        "test",
        samplePath("schema-registry-scenario/graph.dataflow.yaml"),
        "--modules",
        MODULES_DIR,
        "--input",
        input,
      ],
      out,
    );
    assert.equal(code, 1);
    assert.equal(out.lines.length, 0, "no output");
    assert.match(out.errors.join("\n"), /Operation "filter": init returned false/);
  },
});
