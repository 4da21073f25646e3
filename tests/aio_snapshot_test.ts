/**
 * The image path of AIO's samples through `weir graph test`: the `snapshot`
 * module's branch, map (ImageNet classification through wasi-nn) and
 * accumulate, in graph-complex.yaml and graph.dataflow.yaml unchanged, and in
 * small chains of ours where a sample graph cannot isolate a case (T02, T03,
 * T14, T16, T18, T19).
 *
 * The classifier embedded in modules/snapshot is EfficientNet-Lite0 (see
 * modules/imagenet/), not AIO's MobileNetV2; it gives the labels AIO's cases
 * expect for laptop, sliding_door and bear. Labels for the other sample
 * images are this model's readings, each the class the file is named after.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { samplePath, SAMPLES_PRESENT, SAMPLES_SKIP_NOTE } from "./_samples.ts";
import { chainGraph, runGraph, scratchDir, type Step } from "./_graph_run.ts";

const PIPELINE = [
  "window",
  "format",
  "snapshot",
  "temperature",
  "humidity",
  "collection",
  "enrichment",
];
const ready = SAMPLES_PRESENT && modulesBuilt(...PIPELINE);
const note = modulesNote(...PIPELINE) + SAMPLES_SKIP_NOTE;
const COMPLEX = samplePath("graph-complex.yaml");
const DATAFLOW = samplePath("graph.dataflow.yaml");
const IMAGE_TOPIC = "snapshot_simulation";
const T0 = 1_758_255_553_000; // all records of a case fall in one 10-s window

/** The label AIO's T18 gives (laptop, sliding_door), else the class each image is named after. */
const LABELS: Record<string, string> = {
  laptop: "notebook, notebook computer",
  "sliding_door": "sliding door",
  beaker: "beaker",
  binoculars: "binoculars, field glasses, opera glasses",
  broom: "broom",
  camera: "reflex camera",
  "computer_mouse": "mouse, computer mouse",
  "digital_clock": "digital clock",
  hammer: "hammer",
  lawnmower: "lawn mower, mower",
  milkcan: "milk can",
  photocopier: "photocopier",
  radiator: "radiator",
  screwdriver: "screwdriver",
  "sewing_machine": "sewing machine",
  thimble: "thimble",
  tripod: "tripod",
  "vacuum_cleaner": "vacuum, vacuum cleaner",
};
const BEAR = "American black bear, black bear, Ursus americanus, Euarctos americanus";

const ts = (i: number) => `${T0 + i * 100}:0:aio`;
const temperature = (value: number, i: number) => ({
  topic: "probe/1",
  payload: JSON.stringify({ temperature: { value, unit: "F" } }),
  ts: ts(i),
});
async function image(name: string, i: number, topic = IMAGE_TOPIC) {
  const bytes = await readFile(samplePath("images", `${name}.raw`));
  return { topic, payloadBase64: bytes.toString("base64"), ts: ts(i) };
}
async function expectedPayload(testCase: string) {
  const file = samplePath("tests", testCase, "expected", "expected.json");
  return JSON.parse(JSON.parse(await readFile(file, "utf8")).payload);
}
// deno-lint-ignore no-explicit-any
function lastPayload(run: { records: { payload?: string }[]; deadLetters: unknown[] }): any {
  const last = run.records.at(-1);
  assert.ok(last?.payload, `no output; dead letters: ${JSON.stringify(run.deadLetters)}`);
  return JSON.parse(last.payload);
}

Deno.test({
  name: "graph-complex accumulates one 1209 °F reading into the collection (T02)" + note,
  ignore: !ready,
  fn: async () => {
    const input = await readFile(
      samplePath("tests/t02-complex-temp-pipeline/input/temperature_payload.json"),
      "utf8",
    );
    const run = await runGraph(COMPLEX, [{ topic: "probe/1", payload: input.trim(), ts: ts(0) }]);
    assert.equal(run.code, 0, run.errors.join("\n"));
    const expected = await expectedPayload("t02-complex-temp-pipeline");
    assert.deepEqual(lastPayload(run).temperature, expected.temperature);
  },
});

Deno.test({
  name: "graph-complex folds three readings of one window into one entry (T14)" + note,
  ignore: !ready,
  fn: async () => {
    const run = await runGraph(COMPLEX, [
      temperature(1209, 0),
      temperature(3083, 1),
      temperature(400, 2),
    ]);
    assert.equal(run.code, 0, run.errors.join("\n"));
    const [entry, ...more] = lastPayload(run).temperature;
    assert.equal(more.length, 0);
    const celsius = [653.8888888888889, 1695, 204.44444444444446];
    assert.equal(entry.count, 3);
    assert.equal(entry.max, 1695);
    assert.equal(entry.min, 204.44444444444446);
    assert.ok(Math.abs(entry.average - (celsius[0]! + celsius[1]! + celsius[2]!) / 3) < 1e-9);
    assert.equal(entry.last, 204.44444444444446, "last = the reading with the latest timestamp");
    assert.equal(entry.unit, "C");
    assert.equal(entry.overtemp, true);
  },
});

Deno.test({
  name:
    "graph-complex routes by snapshot_topic: the image topic to format, the rest to sensors (T16)" +
    note,
  ignore: !ready,
  fn: async () => {
    // graph-complex asks for no wasi-nn (AIO runs its ML step only in graph.dataflow), so this
    // case stays before the classifier: a reading on the image topic takes the true arm to
    // the format map, which refuses it; the same reading elsewhere reaches the sensor lists.
    const run = await runGraph(
      COMPLEX,
      [temperature(1209, 0), { ...temperature(400, 1), topic: IMAGE_TOPIC }],
      "--config",
      `snapshot_topic=${IMAGE_TOPIC}`,
    );
    assert.equal(run.code, 0, run.errors.join("\n"));
    const out = lastPayload(run);
    assert.deepEqual(out.temperature.map((t: { count: number; max: number }) => [t.count, t.max]), [
      [1, 653.8888888888889],
    ]);
    assert.equal(run.deadLetters.length, 1);
    assert.match(JSON.stringify(run.deadLetters[0]), /Unexpected image format or size/);
  },
});

Deno.test({
  name: "snapshot branch: true for the configured topic and for snapshots, else false (T16)" +
    modulesNote("format", "snapshot") + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("format", "snapshot"),
  fn: async () => {
    const dir = await scratchDir();
    const branch: Step = {
      type: "branch",
      name: "module-snapshot/branch",
      module: "snapshot:1.0.0",
      parameters: ["snapshot_topic"],
    };
    const trueArm = await chainGraph(dir, [{ ...branch, arm: "True" }]);
    const messages = [
      { topic: IMAGE_TOPIC, payload: "on the image topic" },
      { topic: "probe/1", payload: "elsewhere" },
    ];
    const config = ["--config", `snapshot_topic=${IMAGE_TOPIC}`];
    const passed = await runGraph(trueArm, messages, ...config);
    assert.equal(passed.code, 0, passed.errors.join("\n"));
    assert.deepEqual(passed.records.map((r) => r.payload), ["on the image topic"]);
    const unconfigured = await runGraph(trueArm, messages);
    assert.deepEqual(unconfigured.records, [], "no topic configured: every message is false");

    const falseArm = await chainGraph(await scratchDir(), [{ ...branch, arm: "False" }]);
    const rest = await runGraph(falseArm, messages, ...config);
    assert.deepEqual(rest.records.map((r) => r.payload), ["elsewhere"]);

    const formatThenBranch = await chainGraph(await scratchDir(), [
      { type: "map", name: "module-format/map", module: "format:1.0.0" },
      { ...branch, arm: "True" },
    ]);
    const snapshots = await runGraph(formatThenBranch, [await image("tripod", 0, "probe/1")]);
    assert.deepEqual(snapshots.records.map((r) => r.kind), ["snapshot"]);
  },
});

Deno.test({
  name: "snapshot map classifies every sample image through wasi-nn (T18)" +
    modulesNote("format", "snapshot") + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("format", "snapshot"),
  fn: async () => {
    const graph = await chainGraph(await scratchDir(), [
      { type: "map", name: "module-format/map", module: "format:1.0.0" },
      { type: "map", name: "module-snapshot/map", module: "snapshot:1.0.0" },
    ]);
    const names = Object.keys(LABELS);
    const run = await runGraph(graph, await Promise.all(names.map((n, i) => image(n, i))));
    assert.equal(run.code, 0, run.errors.join("\n"));
    assert.deepEqual(run.deadLetters, []);
    const got = Object.fromEntries(run.records.map((r, i) => [names[i], r.payload]));
    const want = Object.fromEntries(
      names.map((n) => [n, JSON.stringify({ object: { result: LABELS[n] } })]),
    );
    assert.deepEqual(got, want);
    for (const r of run.records) {
      assert.deepEqual([r.kind, r.format, r.width, r.height], ["snapshot", "rgb24", 224, 224]);
    }
  },
});

Deno.test({
  name: "snapshot map refuses a message: it classifies snapshots only" + modulesNote("snapshot"),
  ignore: !modulesBuilt("snapshot"),
  fn: async () => {
    const graph = await chainGraph(await scratchDir(), [
      { type: "map", name: "module-snapshot/map", module: "snapshot:1.0.0" },
    ]);
    const run = await runGraph(graph, [{ topic: IMAGE_TOPIC, payload: "not a snapshot" }]);
    assert.equal(run.code, 0, run.errors.join("\n"));
    assert.deepEqual(run.records, []);
    assert.equal(run.deadLetters.length, 1);
    assert.match(JSON.stringify(run.deadLetters[0]), /expects a snapshot/);
  },
});

Deno.test({
  name: "snapshot accumulate lists a window's distinct detections once each (T19)" +
    modulesNote("window", "format", "snapshot") + SAMPLES_SKIP_NOTE,
  ignore: !SAMPLES_PRESENT || !modulesBuilt("window", "format", "snapshot"),
  fn: async () => {
    // The window delay puts the three images on one time, so they share one accumulation.
    const graph = await chainGraph(await scratchDir(), [
      { type: "delay", name: "module-window/delay", module: "window:1.0.0" },
      { type: "map", name: "module-format/map", module: "format:1.0.0" },
      { type: "map", name: "module-snapshot/map", module: "snapshot:1.0.0" },
      { type: "accumulate", name: "module-snapshot/accumulate", module: "snapshot:1.0.0" },
    ]);
    const run = await runGraph(graph, [
      await image("laptop", 0),
      await image("sliding_door", 1),
      await image("laptop", 2),
    ]);
    assert.equal(run.code, 0, run.errors.join("\n"));
    assert.deepEqual(run.records.map((r) => [r.kind, r.payload]), [
      ["message", '{"object":{"result":"notebook, notebook computer; sliding door"}}'],
    ]);
  },
});

Deno.test({
  name: "graph.dataflow collects detections A, B, A as 'A; B' beside the sensor lists (T19)" +
    note,
  ignore: !ready,
  fn: async () => {
    const run = await runGraph(DATAFLOW, [
      await image("laptop", 0),
      await image("sliding_door", 1),
      await image("laptop", 2),
    ]);
    assert.equal(run.code, 0, run.errors.join("\n"));
    assert.deepEqual(lastPayload(run), {
      temperature: [],
      humidity: [],
      object: [{ result: "notebook, notebook computer; sliding door" }],
    });
  },
});

Deno.test({
  name: "graph.dataflow runs AIO's full pipeline: temperature, humidity and bear.raw (T03)" + note,
  ignore: !ready,
  fn: async () => {
    const dir = "tests/t03-complex-full-pipeline/input";
    const bear = await readFile(samplePath(dir, "bear.raw"));
    const json = async (f: string) =>
      JSON.stringify(JSON.parse(await readFile(samplePath(dir, f), "utf8")));
    // AIO's runner publishes the inputs in file-name order: .raw on the image topic, .json on probe/1.
    const run = await runGraph(DATAFLOW, [
      { topic: IMAGE_TOPIC, payloadBase64: bear.toString("base64"), ts: ts(0) },
      { topic: "probe/1", payload: await json("humidity_payload.json"), ts: ts(1) },
      { topic: "probe/1", payload: await json("temperature_payload.json"), ts: ts(2) },
    ]);
    assert.equal(run.code, 0, run.errors.join("\n"));
    const out = lastPayload(run);
    assert.deepEqual(out, await expectedPayload("t03-complex-full-pipeline"));
    assert.equal(out.object[0].result, BEAR);
  },
});
