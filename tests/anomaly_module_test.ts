/**
 * The `anomaly` module (modules/anomaly) scores JSON sensor readings with a
 * tabular model the host serves by name (`--model anomaly-scorer=<file>`),
 * run through `weir graph test` with graphs/anomaly.yaml. The test writes its
 * own tiny MLP (Gemm → Relu → Gemm → Sigmoid) and computes every expected score
 * by hand from the same weights.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import onnxProto from "onnx-proto";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";
import { runGraph, scratchDir } from "./_graph_run.ts";

const { onnx } = onnxProto;
const GRAPH = join(ROOT, "graphs", "anomaly.yaml");
const WIDTH = 8;
const HIDDEN = 4;

// Hidden unit j = relu(Σ x[i]·W1[i][j] + B1[j]); score = sigmoid(Σ h[j]·W2[j] + B2).
// Columns 3..7 get weights too: the module must feed them zeros, or the scores move.
const W1 = [
  [0.05, 0, 0, -0.02], // temperature
  [0, 2, 0, 0.5], // vibration
  [0, 0, 0.1, 0.01], // pressure
  [0.3, 0.3, 0.3, 0.3],
  [-0.4, 0.2, 0.1, 0],
  [0.5, 0, 0, 0.5],
  [0, -0.5, 0.5, 0],
  [1, 1, 1, 1],
];
const B1 = [-3, -1, -10.5, -1];
const W2 = [1.5, 2, 1, 0.5];
const B2 = -2;

/** The expected score, in f32 steps like the model (tolerance covers summation order). */
function mlp(row: number[]): number {
  const f = Math.fround;
  const hidden = B1.map((b, j) =>
    Math.max(0, f(row.reduce((sum, x, i) => f(sum + f(x * W1[i]![j]!)), f(b))))
  );
  const z = hidden.reduce((sum, h, j) => f(sum + f(h * W2[j]!)), f(B2));
  return f(1 / (1 + Math.exp(-z)));
}

function floats(name: string, dims: number[], values: number[]) {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    floatData: values,
  });
}

function tensorType(dims: (number | string)[]) {
  const dim = dims.map((d) => typeof d === "number" ? { dimValue: d } : { dimParam: d });
  return { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } };
}

/** Writes the MLP as ONNX: input `X` [N,8], output `score` [N,1]. */
async function writeModel(dir: string): Promise<string> {
  const node = (opType: string, input: string[], output: string[]) =>
    onnx.NodeProto.create({ opType, input, output });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 15 }],
    graph: {
      name: "anomaly_scorer_test",
      input: [{ name: "X", type: tensorType(["N", WIDTH]) }],
      output: [{ name: "score", type: tensorType(["N", 1]) }],
      initializer: [
        floats("W1", [WIDTH, HIDDEN], W1.flat()),
        floats("B1", [HIDDEN], B1),
        floats("W2", [HIDDEN, 1], W2),
        floats("B2", [1], [B2]),
      ],
      node: [
        node("Gemm", ["X", "W1", "B1"], ["H"]),
        node("Relu", ["H"], ["R"]),
        node("Gemm", ["R", "W2", "B2"], ["Z"]),
        node("Sigmoid", ["Z"], ["score"]),
      ],
    },
  });
  const path = join(dir, "anomaly-scorer.onnx");
  await writeFile(path, onnx.ModelProto.encode(model).finish());
  return path;
}

const reading = (fields: Record<string, number>) => ({
  topic: "sensors/press-4",
  payload: JSON.stringify(fields),
});
const READINGS = [
  { temperature: 21.5, vibration: 0.02, pressure: 101.3 },
  { temperature: 95, vibration: 1.4, pressure: 108.2, rpm: 1500 },
  { pressure: 100, vibration: 0.6, temperature: 64 },
];
const ready = modulesBuilt("anomaly");
const note = modulesNote("anomaly");

Deno.test({
  name: "anomaly adds the model's score and the threshold flag to each reading" + note,
  ignore: !ready,
  fn: async () => {
    const dir = await scratchDir();
    const model = await writeModel(dir);
    const threshold = 0.6;
    const run = await runGraph(
      GRAPH,
      READINGS.map(reading),
      "--model",
      `anomaly-scorer=${model}`,
      "--config",
      `threshold=${threshold}`,
    );
    assert.equal(run.code, 0, run.errors.join("\n"));
    assert.deepEqual(run.deadLetters, []);
    assert.equal(run.records.length, READINGS.length);
    const flags = run.records.map((r, i) => {
      const sent = JSON.stringify(READINGS[i]);
      // The reading's own text, key order included, comes first; the score is appended.
      assert.ok(r.payload!.startsWith(sent.slice(0, -1) + ","), r.payload!);
      const out = JSON.parse(r.payload!);
      const { temperature, vibration, pressure } = READINGS[i]!;
      const want = mlp([temperature, vibration, pressure, 0, 0, 0, 0, 0]);
      assert.ok(Math.abs(out.anomaly_score - want) < 1e-6, `${out.anomaly_score} vs ${want}`);
      assert.equal(out.anomaly, want >= threshold);
      return out.anomaly;
    });
    assert.deepEqual(flags, [false, true, false], "the readings straddle the threshold");
  },
});

Deno.test({
  name: "anomaly feeds the model the features in the configured order" + note,
  ignore: !ready,
  fn: async () => {
    const model = await writeModel(await scratchDir());
    const run = await runGraph(
      GRAPH,
      [reading(READINGS[1]!)],
      "--model",
      `anomaly-scorer=${model}`,
      "--config",
      "features=pressure,temperature",
    );
    assert.equal(run.code, 0, run.errors.join("\n"));
    const { temperature, pressure } = READINGS[1]!;
    const want = mlp([pressure, temperature, 0, 0, 0, 0, 0, 0]);
    const got = JSON.parse(run.records[0]!.payload!).anomaly_score;
    assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
  },
});

Deno.test({
  name: "anomaly dead-letters readings it cannot score and keeps going" + note,
  ignore: !ready,
  fn: async () => {
    const model = await writeModel(await scratchDir());
    const run = await runGraph(
      GRAPH,
      [
        reading({ temperature: 30, pressure: 100 }),
        { topic: "sensors/press-4", payload: "not json" },
        reading(READINGS[0]!),
      ],
      "--model",
      `anomaly-scorer=${model}`,
    );
    assert.equal(run.code, 0, run.errors.join("\n"));
    assert.equal(run.records.length, 1);
    assert.equal(JSON.parse(run.records[0]!.payload!).temperature, READINGS[0]!.temperature);
    const reasons = JSON.stringify(run.deadLetters);
    assert.equal(run.deadLetters.length, 2);
    assert.match(reasons, /feature \\"vibration\\" is missing/);
    assert.match(reasons, /not JSON/);
  },
});

Deno.test({
  name: "anomaly without a model named anomaly-scorer dead-letters every reading" + note,
  ignore: !ready,
  fn: async () => {
    const run = await runGraph(GRAPH, [reading(READINGS[0]!)]);
    assert.deepEqual(run.records, []);
    assert.equal(run.deadLetters.length, 1);
    assert.match(JSON.stringify(run.deadLetters[0]), /anomaly-scorer/);
  },
});
