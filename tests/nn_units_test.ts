/**
 * Unit tests of the wasi-nn host pieces: backend selection (and the real
 * fallback when FFI is not allowed), tensor type and byte conversions, the
 * request checks of a model session, and the caller's own time limit.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  DEFAULT_NN_LIMITS,
  ModelSession,
  type NnChannel,
  NnClient,
  NnError,
  type OrtModule,
  type OrtSession,
  ortTypeOf,
  selectBackend,
  sizeText,
  TENSOR_TYPES,
  tensorProblem,
  tensorTypeOf,
  toBytes,
  toElements,
} from "../src/nn/mod.ts";
import { ConfigError } from "../src/config/mod.ts";
import { parseConfig } from "../src/gateway/mod.ts";
import { ROOT } from "./_samples.ts";
import { modelPath, NN_NOTE, NN_READY } from "./_nn.ts";

const fakeOrt = (tag: string) => ({ tag }) as unknown as OrtModule;

Deno.test("selectBackend() takes onnxruntime-node when it loads, else onnxruntime-web with the reason", async () => {
  const node = await selectBackend({
    importNode: () => Promise.resolve(fakeOrt("node")),
    importWeb: () => Promise.reject(new Error("not wanted")),
  });
  assert.equal(node.name, "onnxruntime-node");
  assert.equal(node.fallbackReason, undefined);
  const web = await selectBackend({
    importNode: () =>
      Promise.reject(new Error('NotCapable: Requires ffi access to "binding.node"\nstack')),
    importWeb: () => Promise.resolve(fakeOrt("web")),
  });
  assert.equal(web.name, "onnxruntime-web");
  assert.equal((web.ort as unknown as { tag: string }).tag, "web");
  assert.equal(
    web.fallbackReason,
    'onnxruntime-node did not load: Error: NotCapable: Requires ffi access to "binding.node"',
  );
  const asked = await selectBackend({
    prefer: "web",
    importWeb: () => Promise.resolve(fakeOrt("w")),
  });
  assert.equal(asked.fallbackReason, "onnxruntime-web was asked for");
  await assert.rejects(
    selectBackend({ prefer: "node", importNode: () => Promise.reject(new Error("no addon")) }),
    /no addon/,
  );
});

Deno.test({
  name:
    "NnService falls back to onnxruntime-web without FFI permission, says so, and still computes" +
    NN_NOTE,
  ignore: !NN_READY,
  fn: async () => {
    const script = join(await Deno.makeTempDir(), "no_ffi.ts");
    await Deno.writeTextFile(
      script,
      `import { NnClient, NnService } from ${JSON.stringify(join(ROOT, "src/nn/mod.ts"))};
const lines: string[] = [];
const service = new NnService({
  models: { a: ${JSON.stringify(modelPath("anomaly-scorer"))} },
  log: { log: (level: string, msg: string, f?: object) => lines.push(level + " " + msg + " " + JSON.stringify(f ?? {})), child() { return this; } } as never,
});
const client = new NnClient(await service.openChannel());
const ctx = client.initContext(client.loadByName("a"));
const [out] = client.compute(ctx, [{ name: "X", tensor: { dimensions: [1, 8], type: "FP32", data: new Uint8Array(32) } }]);
service.close();
console.log(JSON.stringify({ lines, name: out!.name, bytes: out!.tensor.data.length }));
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        join(ROOT, "deno.json"),
        "--allow-read",
        "--unstable-worker-options",
        script,
      ],
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const result = JSON.parse(text);
    assert.equal(result.name, "score");
    assert.equal(result.bytes, 4);
    assert.equal(result.lines.length, 1);
    assert.match(
      result.lines[0],
      /^warn wasi-nn runs on onnxruntime-web .*onnxruntime-node did not load: NotCapable/,
    );
  },
});

Deno.test("ortTypeOf() and tensorTypeOf() map every wasi-nn type ONNX Runtime has; BF16 is unsupported-operation", () => {
  const mapped = TENSOR_TYPES.filter((t) => t !== "BF16");
  assert.deepEqual(mapped.map(ortTypeOf), [
    "float16",
    "float32",
    "float64",
    "uint8",
    "int32",
    "int64",
  ]);
  for (const t of mapped) assert.equal(tensorTypeOf(ortTypeOf(t)), t);
  assert.equal(tensorTypeOf("bool"), undefined);
  assert.throws(
    () => ortTypeOf("BF16"),
    (e: unknown) => e instanceof NnError && e.nnCode === "unsupported-operation",
  );
});

Deno.test("toElements() reads little-endian bytes as each type; toBytes() gives them back", () => {
  const cases: Array<[Parameters<typeof toElements>[0], ArrayBufferView & ArrayLike<unknown>]> = [
    ["float32", Float32Array.of(1.5, -2)],
    ["float64", Float64Array.of(0.1, 1e300)],
    ["int32", Int32Array.of(-7, 2 ** 31 - 1)],
    ["int64", BigInt64Array.of(-1n, 2n ** 62n)],
    ["uint8", Uint8Array.of(0, 255)],
    ["float16", Uint16Array.of(0x3c00, 0xc200)],
  ];
  for (const [type, values] of cases) {
    const bytes = new Uint8Array(values.buffer);
    // An unaligned copy of the bytes still reads right.
    const shifted = new Uint8Array(bytes.length + 1).fill(9);
    shifted.set(bytes, 1);
    const elements = toElements(type, shifted.subarray(1));
    assert.equal(elements.constructor, values.constructor, type);
    assert.deepEqual(
      Array.from(elements as unknown as ArrayLike<unknown>),
      Array.from(values),
      type,
    );
    assert.deepEqual(toBytes(elements), bytes, type);
  }
  // Little-endian on the wire: 1.0f is 00 00 80 3f.
  assert.deepEqual(Array.from(toBytes(Float32Array.of(1))), [0, 0, 0x80, 0x3f]);
});

Deno.test("tensorProblem() checks the data against the dimensions and element size", () => {
  assert.equal(
    tensorProblem("X", { dimensions: [2, 3], type: "I64", data: new Uint8Array(48) }),
    undefined,
  );
  assert.equal(
    tensorProblem("X", { dimensions: [2, 3], type: "FP16", data: new Uint8Array(6) }),
    'Input "X" has 6 bytes of data, but FP16 [2, 3] needs 12',
  );
  assert.equal(sizeText(50 * 2 ** 20), "50 MiB");
  assert.equal(sizeText(1536), "1.5 KiB");
  assert.equal(sizeText(12), "12 bytes");
});

function fakeSession(): { session: OrtSession; runs: unknown[] } {
  const runs: unknown[] = [];
  const session = {
    inputNames: ["image", "mask"],
    outputNames: ["out"],
    inputMetadata: [
      { name: "image", isTensor: true, type: "float32", shape: ["N", 3, 2] },
      { name: "mask", isTensor: true, type: "uint8", shape: [2] },
    ],
    outputMetadata: [{ name: "out", isTensor: true, type: "float32", shape: [1] }],
    run: (feeds: unknown) => {
      runs.push(feeds);
      return Promise.resolve({ out: { type: "float32", dims: [1], data: Float32Array.of(0.5) } });
    },
    release: () => Promise.resolve(),
  } as unknown as OrtSession;
  return { session, runs };
}

class FakeTensor {
  constructor(readonly type: string, readonly data: unknown, readonly dims: readonly number[]) {}
}

Deno.test("ModelSession.compute() checks names, types, shapes and completeness before running", async () => {
  const { session, runs } = fakeSession();
  const model = new ModelSession("m", session, { Tensor: FakeTensor } as unknown as OrtModule);
  const image = {
    name: "image",
    tensor: { dimensions: [1, 3, 2], type: "FP32" as const, data: new Uint8Array(24) },
  };
  const mask = {
    name: "mask",
    tensor: { dimensions: [2], type: "U8" as const, data: Uint8Array.of(1, 0) },
  };
  const refused = async (inputs: unknown[], text: string) => {
    await assert.rejects(model.compute(inputs as never), (e: unknown) => {
      assert.ok(e instanceof NnError);
      assert.equal(e.nnCode, "invalid-argument");
      assert.equal(e.message, text);
      return true;
    });
  };
  await refused(
    [{ ...image, name: "img" }, mask],
    'Model "m" has no input "img"; its inputs are "image", "mask"',
  );
  await refused([image], 'Model "m" needs input "mask"; its inputs are "image", "mask"');
  await refused([image, image, mask], 'Input "image" is given twice');
  await refused([image, {
    ...mask,
    tensor: { ...mask.tensor, type: "I32", data: new Uint8Array(8) },
  }], 'Input "mask" of model "m" is U8, not I32');
  await refused(
    [{ ...image, tensor: { ...image.tensor, dimensions: [1, 2, 3] } }, mask],
    'Input "image" of model "m" has shape [N, 3, 2], not [1, 2, 3]',
  );
  assert.equal(runs.length, 0);
  const [out] = await model.compute([mask, image]);
  assert.equal(out!.name, "out");
  assert.equal(out!.tensor.type, "FP32");
  assert.deepEqual(out!.tensor.data, toBytes(Float32Array.of(0.5)));
  const feeds = runs[0] as Record<string, FakeTensor>;
  assert.deepEqual(feeds["image"]!.dims, [1, 3, 2]);
  assert.ok(feeds["mask"]!.data instanceof Uint8Array);
});

function unservedChannel(limits = DEFAULT_NN_LIMITS): NnChannel {
  // deno-lint-ignore no-explicit-any
  const mailbox = new (SharedArrayBuffer as any)(1024, { maxByteLength: 4096 });
  return { id: 1, mailbox, doorbell: new SharedArrayBuffer(4), limits };
}

Deno.test("NnClient releases its caller with timeout when no worker answers, and refuses oversized models before sending", () => {
  const client = new NnClient(
    unservedChannel({ ...DEFAULT_NN_LIMITS, computeTimeoutMs: 30, maxModelBytes: 100 }),
  );
  const started = performance.now();
  assert.throws(
    () => client.compute(1, []),
    (e: unknown) =>
      e instanceof NnError && e.nnCode === "timeout" &&
      /exceeded its 30 ms limit .*did not take the request in time/.test(e.message),
  );
  assert.ok(performance.now() - started < 1000);
  assert.throws(
    () => client.load([new Uint8Array(101)], "onnx", "cpu"),
    (e: unknown) =>
      e instanceof NnError && e.nnCode === "too-large" &&
      /101 bytes.*up to 100 bytes/.test(e.message),
  );
});

Deno.test("parseConfig() reads the ml section: defaults, sizes as text, model files relative to the file", () => {
  const base = { endpoints: { local: { url: "mqtt://127.0.0.1:1883" } } };
  const plain = parseConfig(JSON.stringify(base), "/etc/weir/gateway.yaml");
  assert.deepEqual(plain.ml, {
    enabled: true,
    maxModelBytes: 50 * 2 ** 20,
    computeTimeoutMs: 5000,
    models: {},
  });
  const ml = {
    enabled: false,
    maxModelBytes: "2MiB",
    computeTimeoutMs: 250,
    models: { anomaly: { file: "models/anomaly.onnx" }, abs: { file: "/opt/m.onnx" } },
  };
  const set = parseConfig(JSON.stringify({ ...base, ml }), "/etc/weir/gateway.yaml", {
    baseDir: "/etc/weir",
  });
  assert.deepEqual(set.ml, {
    enabled: false,
    maxModelBytes: 2 * 2 ** 20,
    computeTimeoutMs: 250,
    models: { anomaly: "/etc/weir/models/anomaly.onnx", abs: "/opt/m.onnx" },
  });
  assert.throws(
    () =>
      parseConfig(
        JSON.stringify({ ...base, ml: { maxModelBytes: "0.5B", models: { a: {} } } }),
        "ml.yaml",
      ),
    (e: unknown) =>
      e instanceof ConfigError &&
      /ml\.maxModelBytes: found "0\.5B" \(0 bytes\), expected at least 1 byte/.test(e.message) &&
      /ml\.models\.a\.file: missing required field "file"/.test(e.message),
  );
});
