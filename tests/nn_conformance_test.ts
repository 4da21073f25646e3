/**
 * wasi-nn conformance through a real component (modules/nn-probe) in both
 * isolation modes: load, load-by-name, autodetect, contexts, compute with
 * one and several inputs and outputs, every tensor type, and every error
 * path with its code and text.
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { type NnLimits, NnService, selectBackend } from "../src/nn/mod.ts";
import {
  base64,
  fp32,
  modelPath,
  MODELS,
  NN_NOTE,
  NN_READY,
  openProbe,
  type ProbeOperator,
  unbase64,
} from "./_nn.ts";

const ROW = [0.5, -1, 2, 0.25, 3, -0.5, 1, 0];

async function withProbe(
  isolation: "worker" | "none",
  fn: (probe: ProbeOperator, service: NnService) => Promise<void>,
  limits: Partial<NnLimits> = {},
  deadlineMs?: number,
): Promise<void> {
  const service = new NnService({
    models: MODELS,
    limits,
    log: jsonLogger({ level: "error", write: () => {} }),
  });
  const probe = await openProbe(isolation, service, { allowed: true }, deadlineMs);
  try {
    await fn(probe, service);
  } finally {
    await probe.close();
    service.close();
  }
}

/** The anomaly scorer's output for ROW, straight from ONNX Runtime. */
async function directScore(): Promise<number> {
  const { ort } = await selectBackend({ prefer: "node" });
  const session = await ort.InferenceSession.create(
    await Deno.readFile(modelPath("anomaly-scorer")),
  );
  const out = await session.run({ X: new ort.Tensor("float32", Float32Array.from(ROW), [1, 8]) });
  await session.release();
  return (out["score"]!.data as Float32Array)[0]!;
}

function ok(answer: any): any[] {
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  return answer.outputs;
}

function error(answer: any, code: string, stage: string): string {
  assert.ok(answer.error, `expected an error, got ${JSON.stringify(answer)}`);
  assert.equal(answer.error.code, code, answer.error.data);
  assert.equal(answer.error.stage, stage);
  return answer.error.data as string;
}

function nnTest(name: string, fn: (isolation: "worker" | "none") => Promise<void>): void {
  for (const isolation of ["worker", "none"] as const) {
    Deno.test({
      name: `wasi-nn (isolation ${isolation}): ${name}${NN_NOTE}`,
      ignore: !NN_READY,
      fn: () => fn(isolation),
    });
  }
}

nnTest(
  "load-by-name, init-execution-context and compute give ONNX Runtime's own result",
  (iso) =>
    withProbe(iso, async (probe) => {
      const [answer] = await probe.send({
        load: { name: "anomaly-scorer" },
        inputs: [fp32("X", [1, 8], ROW)],
      });
      const [out] = ok(answer);
      assert.equal(out.name, "score");
      assert.equal(out.type, "fp32");
      assert.deepEqual(out.dims, [1, 1]);
      assert.equal(out.data[0], await directScore());
    }),
);

nnTest(
  "load takes model bytes as onnx and as autodetect; a batch of rows works",
  (iso) =>
    withProbe(iso, async (probe) => {
      const bytes = base64(await Deno.readFile(modelPath("anomaly-scorer")));
      const rows = [...ROW, ...ROW.map((v) => -v)];
      const answers = await probe.send(
        { load: { bytes, encoding: "onnx" }, inputs: [fp32("X", [1, 8], ROW)] },
        { load: { bytes, encoding: "autodetect" }, inputs: [fp32("X", [2, 8], rows)] },
      );
      const expected = await directScore();
      assert.equal(ok(answers[0])[0].data[0], expected);
      const [batch] = ok(answers[1]);
      assert.deepEqual(batch.dims, [2, 1]);
      assert.equal(batch.data[0], expected);
      assert.ok(batch.data[1] > 0 && batch.data[1] < 1);
    }),
);

nnTest(
  "compute with two inputs returns every output, named",
  (iso) =>
    withProbe(iso, async (probe) => {
      const [answer] = await probe.send({
        load: { name: "two-inputs" },
        inputs: [fp32("B", [1, 4], [10, 20, 30, 40]), fp32("A", [1, 4], [1, 2, 3, 4])],
      });
      const outs = ok(answer);
      assert.deepEqual(outs.map((o: any) => o.name), ["Sum", "Product"]);
      assert.deepEqual(outs[0].data, [11, 22, 33, 44]);
      assert.deepEqual(outs[1].data, [10, 40, 90, 160]);
    }),
);

nnTest(
  "every tensor type ONNX Runtime maps round-trips little-endian (FP16 FP32 FP64 U8 I32 I64)",
  (iso) =>
    withProbe(iso, async (probe) => {
      const cases = [
        { type: "fp32", data: [1.5, -2, 1e6], want: [3, -4, 2e6] },
        { type: "fp64", data: [0.1, -2.5, 1e300], want: [0.2, -5, 2e300] },
        { type: "i32", data: [1, -2, 2 ** 30 - 1], want: [2, -4, 2 ** 31 - 2] },
        { type: "i64", data: [1, -2, 2 ** 40], want: [2, -4, 2 ** 41] },
        { type: "u8", data: [0, 7, 255], want: [0, 7, 255] }, // Identity: CPU Add has no uint8
      ];
      const answers = await probe.send(
        ...cases.map((c) => ({
          load: { name: `double-${c.type}` },
          inputs: [{ name: "X", type: c.type, dims: [3], data: c.data }],
        })),
      );
      cases.forEach((c, i) => {
        const [out] = ok(answers[i]);
        assert.equal(out.type, c.type);
        assert.deepEqual(out.dims, [3]);
        assert.deepEqual(out.data, c.want, c.type);
      });
      // Half floats as raw bytes: 1, 2, -3 doubled are 2, 4, -6.
      const half = new Uint8Array(new Uint16Array([0x3c00, 0x4000, 0xc200]).buffer);
      const [answer] = await probe.send({
        load: { name: "double-fp16" },
        inputs: [{ name: "X", type: "fp16", dims: [3], raw: base64(half) }],
      });
      const [out] = ok(answer);
      assert.equal(out.type, "fp16");
      assert.deepEqual(
        Array.from(new Uint16Array(unbase64(out.raw).buffer)),
        [0x4000, 0x4400, 0xc600],
      );
    }),
);

nnTest(
  "a kept graph reuses one session across messages and operators; closing releases it",
  (iso) =>
    withProbe(iso, async (probe, service) => {
      const cmd = { load: { name: "anomaly-scorer" }, keep: "a", inputs: [fp32("X", [1, 8], ROW)] };
      const answers = await probe.send(cmd, cmd, cmd);
      const scores = answers.map((a) => ok(a)[0].data[0]);
      assert.equal(new Set(scores).size, 1);
      const other = await openProbe(iso, service);
      try {
        ok((await other.send(cmd))[0]);
        // Same model by name: the second operation shares the first one's session.
        assert.deepEqual(await service.stats(), { live: 1, created: 1 });
      } finally {
        await other.close();
      }
      assert.deepEqual(await service.stats(), { live: 1, created: 1 });
      assert.deepEqual((await probe.send({ drop: true }))[0], { dropped: true });
      assert.deepEqual(await service.stats(), { live: 0, created: 1 });
    }),
);

nnTest(
  "a graph dropped after one message releases its session",
  (iso) =>
    withProbe(iso, async (probe, service) => {
      ok(
        (await probe.send({
          load: { name: "two-inputs" },
          inputs: [fp32("A", [1, 4], [1, 2, 3, 4]), fp32("B", [1, 4], [1, 1, 1, 1])],
        }))[0],
      );
      assert.deepEqual(await service.stats(), { live: 0, created: 1 });
    }),
);

nnTest(
  "not-found names the model and the registered names",
  (iso) =>
    withProbe(iso, async (probe) => {
      const text = error((await probe.send({ load: { name: "resnet" } }))[0], "not-found", "load");
      assert.match(text, /Model "resnet" is not registered/);
      assert.match(text, /registered: anomaly-scorer, cnn-224, double-fp16/);
    }),
);

nnTest(
  "invalid-argument names a wrong input, the model's inputs, a wrong shape or type",
  (iso) =>
    withProbe(iso, async (probe) => {
      const load = { name: "anomaly-scorer" };
      const answers = await probe.send(
        { load, inputs: [fp32("Q", [1, 8], ROW)] },
        { load, inputs: [fp32("X", [1, 4], [1, 2, 3, 4])] },
        { load, inputs: [{ name: "X", type: "i32", dims: [1, 8], data: ROW }] },
        {
          load,
          inputs: [{ name: "X", type: "fp32", dims: [1, 8], raw: base64(new Uint8Array(3)) }],
        },
        { load: { name: "two-inputs" }, inputs: [fp32("A", [1, 4], [1, 2, 3, 4])] },
      );
      assert.equal(
        error(answers[0], "invalid-argument", "compute"),
        'Model "anomaly-scorer" has no input "Q"; its inputs are "X"',
      );
      assert.equal(
        error(answers[1], "invalid-argument", "compute"),
        'Input "X" of model "anomaly-scorer" has shape [N, 8], not [1, 4]',
      );
      assert.equal(
        error(answers[2], "invalid-argument", "compute"),
        'Input "X" of model "anomaly-scorer" is FP32, not I32',
      );
      assert.match(
        error(answers[3], "invalid-argument", "compute"),
        /has 3 bytes of data, but FP32 \[1, 8\] needs 32/,
      );
      assert.equal(
        error(answers[4], "invalid-argument", "compute"),
        'Model "two-inputs" needs input "B"; its inputs are "A", "B"',
      );
    }),
);

nnTest(
  "invalid-encoding, unsupported target, BF16 and malformed bytes are refused clearly",
  (iso) =>
    withProbe(iso, async (probe) => {
      const model = base64(await Deno.readFile(modelPath("anomaly-scorer")));
      const answers = await probe.send(
        { load: { bytes: model, encoding: "tensorflow" } },
        { load: { bytes: model, encoding: "onnx", target: "gpu" } },
        { load: { fill: 64, byte: 7, encoding: "onnx" } },
        { load: { fill: 64, byte: 7, encoding: "autodetect" } },
        { load: { bytes: [model, model], encoding: "onnx" } },
        {
          load: { name: "double-fp32" },
          inputs: [{ name: "X", type: "bf16", dims: [1], raw: "AAA=" }],
        },
      );
      assert.match(
        error(answers[0], "invalid-encoding", "load"),
        /Encoding "tensorflow" is not supported/,
      );
      assert.match(
        error(answers[1], "unsupported-operation", "load"),
        /target "gpu" is not available/,
      );
      assert.match(error(answers[2], "invalid-argument", "load"), /is not a valid ONNX model/);
      assert.match(
        error(answers[3], "invalid-encoding", "load"),
        /not in a format this gateway runs/,
      );
      assert.match(error(answers[4], "invalid-argument", "load"), /one graph builder; got 2/);
      assert.match(error(answers[5], "unsupported-operation", "compute"), /BF16 .* no bfloat16/);
    }),
);

nnTest(
  "too-large: model bytes and registered files over ml.maxModelBytes",
  (iso) =>
    withProbe(iso, async (probe) => {
      const answers = await probe.send(
        { load: { fill: 2048, encoding: "onnx" } },
        { load: { name: "cnn-224" } },
        { load: { name: "anomaly-scorer" }, inputs: [fp32("X", [1, 8], ROW)] },
      );
      assert.match(
        error(answers[0], "too-large", "load"),
        /The model is 2 KiB; .* up to 1000 bytes/,
      );
      assert.match(error(answers[1], "too-large", "load"), /Model "cnn-224" is 94.2 KiB/);
      ok(answers[2]);
    }, { maxModelBytes: 1000 }),
);

nnTest(
  "timeout: a compute over the limit releases the module, and later calls still work",
  (iso) =>
    withProbe(iso, async (probe) => {
      const slow = {
        load: { name: "slow" },
        keep: "slow",
        inputs: [fp32("X", [1], [0.5]), {
          name: "shape",
          type: "i64",
          dims: [2],
          data: [2048, 2048],
        }],
      };
      const started = performance.now();
      const [answer] = await probe.send(slow);
      const took = performance.now() - started;
      assert.match(error(answer, "timeout", "compute"), /exceeded its 150 ms limit/);
      assert.ok(took < 2000, `the caller waited ${took} ms`);
      // A new load waits for the worker to finish the abandoned run, then works.
      const [next] = await probe.send({
        load: { name: "anomaly-scorer" },
        inputs: [fp32("X", [1, 8], ROW)],
      });
      assert.equal(ok(next)[0].data[0], await directScore());
    }, { computeTimeoutMs: 150 }),
);

/** One message through the probe, so its worker is past its first record (which gets five deadlines). */
async function warmUp(probe: ProbeOperator): Promise<void> {
  ok((await probe.send({ load: { name: "anomaly-scorer" }, inputs: [fp32("X", [1, 8], ROW)] }))[0]);
}

/** The slow model on an S×S input, `repeat` computes in one message. */
function slowCommand(side: number, repeat: number): object {
  return {
    load: { name: "slow" },
    inputs: [fp32("X", [1], [0.5]), { name: "shape", type: "i64", dims: [2], data: [side, side] }],
    repeat,
  };
}

Deno.test({
  name:
    `wasi-nn (isolation worker): time blocked in inference does not count against the module's deadline${NN_NOTE}`,
  ignore: !NN_READY,
  fn: () =>
    withProbe(
      "worker",
      async (probe) => {
        await warmUp(probe);
        const [answer] = await probe.send(slowCommand(512, 60));
        ok(answer);
        const blockedMs = (answer.times as number[]).reduce((a, b) => a + b, 0) / 1000;
        // Inference took several deadlines' worth of wall time, and the module was not stopped.
        assert.ok(blockedMs > 300, `the computes took only ${blockedMs} ms`);
      },
      {},
      100,
    ),
});

Deno.test({
  name:
    `wasi-nn (isolation worker): a module that calls inference in a loop is stopped past the cap${NN_NOTE}`,
  ignore: !NN_READY,
  fn: () =>
    // The cap is one load and one compute at their limits: 400 ms here.
    withProbe(
      "worker",
      async (probe) => {
        await warmUp(probe);
        const started = performance.now();
        const [stopped] = await probe.send(slowCommand(256, 100_000));
        const took = performance.now() - started;
        assert.match(
          stopped.failure ?? JSON.stringify(stopped),
          /exceeded its 100 ms deadline \(not counting 400 ms it waited for inference\)/,
        );
        assert.ok(took < 10_000, `stopped only after ${took} ms`);
        // A fresh worker takes the next message.
        const [next] = await probe.send({
          load: { name: "anomaly-scorer" },
          inputs: [fp32("X", [1, 8], ROW)],
        });
        assert.equal(ok(next)[0].data[0], await directScore());
      },
      { loadTimeoutMs: 200, computeTimeoutMs: 200 },
      100,
    ),
});
