/**
 * wasi-nn latency: `compute` called from a module (nn-probe, timed inside
 * the module around the call alone), in both isolation modes, next to
 * calling ONNX Runtime (onnxruntime-node) directly from TypeScript with the
 * same model in the same run. Models: the 224×224 CNN ([1,3,224,224] in)
 * and the tiny anomaly scorer ([1,8] in). Prints p50/p99 in µs.
 *
 * Run: deno run -A --unstable-worker-options tests/bench/nn_bench.ts [rounds]
 * (needs the nn-probe module and the test models: deno task modules).
 */
import { NnService, selectBackend, SESSION_OPTIONS } from "../../src/nn/mod.ts";
import { silentLogger } from "../../src/telemetry/mod.ts";
import { MODELS, openProbe } from "../_nn.ts";

interface Case {
  readonly model: string;
  readonly label: string;
  readonly input: string;
  readonly dims: number[];
  readonly calls: number;
}

const CASES: Case[] = [
  { model: "anomaly-scorer", label: "tiny tabular [1,8]", input: "X", dims: [1, 8], calls: 3000 },
  {
    model: "cnn-224",
    label: "CNN [1,3,224,224]",
    input: "image",
    dims: [1, 3, 224, 224],
    calls: 300,
  },
];

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

async function direct(c: Case, calls: number): Promise<number[]> {
  const { ort } = await selectBackend({ prefer: "node" });
  const session = await ort.InferenceSession.create(
    await Deno.readFile(MODELS[c.model]!),
    SESSION_OPTIONS,
  );
  const data = new Float32Array(c.dims.reduce((a, b) => a * b, 1)).fill(0.5);
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await session.run({ [c.input]: new ort.Tensor("float32", data, c.dims) });
    times.push((performance.now() - started) * 1000);
  }
  await session.release();
  return times;
}

async function throughModule(
  c: Case,
  isolation: "worker" | "none",
  service: NnService,
  calls: number,
): Promise<number[]> {
  const probe = await openProbe(isolation, service);
  try {
    const [answer] = await probe.send({
      load: { name: c.model },
      keep: c.model,
      inputs: [{ name: c.input, type: "fp32", dims: c.dims, fill: 0.5 }],
      repeat: calls,
    });
    if (!answer.times) throw new Error(JSON.stringify(answer).slice(0, 300));
    return answer.times as number[];
  } finally {
    await probe.close();
  }
}

async function main(rounds: number): Promise<void> {
  const service = new NnService({ models: MODELS, log: silentLogger });
  const rows: string[] = [];
  try {
    for (const c of CASES) {
      const samples: Record<string, number[]> = { direct: [], worker: [], none: [] };
      // Warm-up, then rounds interleaved so drift on a shared machine hits every path alike.
      await direct(c, Math.ceil(c.calls / 10));
      await throughModule(c, "none", service, Math.ceil(c.calls / 10));
      for (let r = 0; r < rounds; r++) {
        samples.direct!.push(...await direct(c, c.calls));
        samples.worker!.push(...await throughModule(c, "worker", service, c.calls));
        samples.none!.push(...await throughModule(c, "none", service, c.calls));
      }
      const base = quantile([...samples.direct!].sort((a, b) => a - b), 0.5);
      for (const [path, times] of Object.entries(samples)) {
        const sorted = [...times].sort((a, b) => a - b);
        const p50 = quantile(sorted, 0.5);
        const p99 = quantile(sorted, 0.99);
        const over = path === "direct"
          ? ""
          : `+${(p50 - base).toFixed(1)} µs (+${((p50 / base - 1) * 100).toFixed(1)} %)`;
        const name = path === "direct"
          ? "ONNX Runtime from TypeScript"
          : `wasi-nn from the module, isolation ${path}`;
        rows.push(
          `| ${c.label} | ${name} | ${p50.toFixed(1)} | ${
            p99.toFixed(1)
          } | ${over} | ${times.length} |`,
        );
      }
    }
  } finally {
    service.close();
  }
  // deno-lint-ignore no-console
  console.log(
    [
      "| model | path | p50 µs | p99 µs | p50 over direct | calls |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rows,
    ].join("\n"),
  );
}

if (import.meta.main) await main(Number(Deno.args[0] ?? 3));
