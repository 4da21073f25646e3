/**
 * Writes the small ONNX models Weir's wasi-nn tests and benchmarks use into
 * `modules/dist/models/` (or the folder given as the first argument). The
 * weights come from a fixed seed, so every build writes the same bytes.
 *
 *   deno run --allow-write modules/models/build_models.ts [out-dir]
 *
 * @module
 */
import pkg from "onnx-proto";
import { join } from "node:path";

const { onnx } = pkg;

/** ONNX element types used here (onnx.proto TensorProto.DataType). */
const ELEM = { FP32: 1, U8: 2, I32: 6, I64: 7, FP16: 10, FP64: 11 } as const;
type Elem = keyof typeof ELEM;

type Dim = number | string;

function valueInfo(name: string, elem: Elem, dims: readonly Dim[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[elem],
        shape: {
          dim: dims.map((d) => typeof d === "string" ? { dimParam: d } : { dimValue: d }),
        },
      },
    },
  };
}

function node(opType: string, input: string[], output: string[], attribute: object[] = []) {
  return { opType, input, output, name: `${opType}_${output[0]}`, attribute };
}

const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v }); // INTS
const int = (name: string, v: number) => ({ name, type: 2, i: v }); // INT

/** A float32 initializer with deterministic pseudo-random weights in [-scale, scale]. */
function weights(name: string, dims: number[], seed: number, scale = 0.5) {
  const n = dims.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    // xorshift32: fixed output for a fixed seed.
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    values[i] = (s / 0xffffffff * 2 - 1) * scale;
  }
  return { name, dims, dataType: ELEM.FP32, rawData: new Uint8Array(values.buffer) };
}

interface GraphSpec {
  readonly inputs: ReturnType<typeof valueInfo>[];
  readonly outputs: ReturnType<typeof valueInfo>[];
  readonly nodes: ReturnType<typeof node>[];
  readonly initializers?: object[];
}

function model(name: string, g: GraphSpec): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 8,
    producerName: "weir build_models.ts",
    opsetImport: [{ domain: "", version: 15 }],
    graph: {
      name,
      input: g.inputs,
      output: g.outputs,
      node: g.nodes,
      initializer: g.initializers ?? [],
    },
  })).finish();
}

/** Gemm → Relu → Gemm → Sigmoid over N×8 features: one score in (0, 1) per row. */
function anomalyScorer(): Uint8Array {
  return model("anomaly-scorer", {
    inputs: [valueInfo("X", "FP32", ["N", 8])],
    outputs: [valueInfo("score", "FP32", ["N", 1])],
    initializers: [
      weights("W1", [8, 16], 1),
      weights("B1", [16], 2, 0.1),
      weights("W2", [16, 1], 3),
      weights("B2", [1], 4, 0.1),
    ],
    nodes: [
      node("Gemm", ["X", "W1", "B1"], ["H"]),
      node("Relu", ["H"], ["R"]),
      node("Gemm", ["R", "W2", "B2"], ["Z"]),
      node("Sigmoid", ["Z"], ["score"]),
    ],
  });
}

/** Two inputs, two outputs: Sum = A + B and Product = A × B over N×4. */
function twoInputs(): Uint8Array {
  return model("two-inputs", {
    inputs: [valueInfo("A", "FP32", ["N", 4]), valueInfo("B", "FP32", ["N", 4])],
    outputs: [valueInfo("Sum", "FP32", ["N", 4]), valueInfo("Product", "FP32", ["N", 4])],
    nodes: [node("Add", ["A", "B"], ["Sum"]), node("Mul", ["A", "B"], ["Product"])],
  });
}

/** Y = X + X for one element type (Identity where ONNX Runtime's CPU Add lacks the type). */
function doubler(elem: Elem, op: "Add" | "Identity"): Uint8Array {
  return model(`double-${elem}`, {
    inputs: [valueInfo("X", elem, ["N"])],
    outputs: [valueInfo("Y", elem, ["N"])],
    nodes: [op === "Add" ? node("Add", ["X", "X"], ["Y"]) : node("Identity", ["X"], ["Y"])],
  });
}

/** A small CNN over a 224×224 RGB image, planar [1,3,224,224]: five class probabilities. */
function cnn224(): Uint8Array {
  const conv = (x: string, w: string, b: string, y: string) =>
    node("Conv", [x, w, b], [y], [
      ints("kernel_shape", [3, 3]),
      ints("strides", [2, 2]),
      ints("pads", [1, 1, 1, 1]),
    ]);
  return model("cnn-224", {
    inputs: [valueInfo("image", "FP32", [1, 3, 224, 224])],
    outputs: [valueInfo("probabilities", "FP32", [1, 5])],
    initializers: [
      weights("C1", [16, 3, 3, 3], 11, 0.3),
      weights("D1", [16], 12, 0.05),
      weights("C2", [32, 16, 3, 3], 13, 0.1),
      weights("D2", [32], 14, 0.05),
      weights("C3", [64, 32, 3, 3], 15, 0.08),
      weights("D3", [64], 16, 0.05),
      weights("FW", [64, 5], 17, 0.5),
      weights("FB", [5], 18, 0.1),
    ],
    nodes: [
      conv("image", "C1", "D1", "h1"),
      node("Relu", ["h1"], ["r1"]),
      conv("r1", "C2", "D2", "h2"),
      node("Relu", ["h2"], ["r2"]),
      conv("r2", "C3", "D3", "h3"),
      node("Relu", ["h3"], ["r3"]),
      node("GlobalAveragePool", ["r3"], ["pooled"]),
      node("Flatten", ["pooled"], ["flat"], [int("axis", 1)]),
      node("Gemm", ["flat", "FW", "FB"], ["logits"]),
      node("Softmax", ["logits"], ["probabilities"], [int("axis", 1)]),
    ],
  });
}

/**
 * Deliberately slow, for time-limit tests: X (one value) expanded to the `shape` input
 * ([S, S], int64), then 8 chained S×S matrix products; about 8·S³ multiply-adds.
 */
function slow(): Uint8Array {
  const nodes = [node("Expand", ["X", "shape"], ["m0"])];
  for (let i = 0; i < 8; i++) nodes.push(node("MatMul", [`m${i}`, `m${i}`], [`m${i + 1}`]));
  nodes.push(node("ReduceMax", ["m8"], ["Y"], [int("keepdims", 0)]));
  return model("slow", {
    inputs: [valueInfo("X", "FP32", [1]), valueInfo("shape", "I64", [2])],
    outputs: [valueInfo("Y", "FP32", [])],
    nodes,
  });
}

/** Every model this script writes, by file name. */
export function buildModels(): Record<string, Uint8Array> {
  return {
    "anomaly-scorer.onnx": anomalyScorer(),
    "two-inputs.onnx": twoInputs(),
    "double-fp32.onnx": doubler("FP32", "Add"),
    "double-fp64.onnx": doubler("FP64", "Add"),
    "double-fp16.onnx": doubler("FP16", "Add"),
    "double-i32.onnx": doubler("I32", "Add"),
    "double-i64.onnx": doubler("I64", "Add"),
    "double-u8.onnx": doubler("U8", "Identity"),
    "cnn-224.onnx": cnn224(),
    "slow.onnx": slow(),
  };
}

if (import.meta.main) {
  const out = Deno.args[0] ?? join(import.meta.dirname!, "..", "dist", "models");
  Deno.mkdirSync(out, { recursive: true });
  for (const [file, bytes] of Object.entries(buildModels())) {
    Deno.writeFileSync(join(out, file), bytes);
    // deno-lint-ignore no-console
    console.log(`${join(out, file)}  ${bytes.byteLength} bytes`);
  }
}
