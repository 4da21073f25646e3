/**
 * Helpers for the wasi-nn tests: the test models (`modules/models/build_models.ts`
 * writes them), the `nn-probe` module's graph, and a run of probe commands
 * through the offline runner or one probe operator, answers parsed.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Hlc } from "../src/base/mod.ts";
import { Failure, type Rec } from "../src/engine/mod.ts";
import { parseInputLine, runOffline } from "../src/gateway/mod.ts";
import { type GraphDefinition, parseGraph } from "../src/graph/mod.ts";
import type { NnLimits, NnService } from "../src/nn/mod.ts";
import { jsonLogger, Metrics } from "../src/telemetry/mod.ts";
import {
  type CompiledModule,
  compileModule,
  createIsolatedOperator,
  createWasmOperator,
  type NnPolicy,
} from "../src/wasm/mod.ts";
import { modulePath, MODULES_DIR, modulesBuilt } from "./_modules.ts";

/** Where the test models are. */
export const MODELS_DIR: string = join(MODULES_DIR, "models");

/** A test model's file. */
export function modelPath(name: string): string {
  return join(MODELS_DIR, `${name}.onnx`);
}

/** The models the tests register for load-by-name. */
export const MODELS: Record<string, string> = Object.fromEntries(
  [
    "anomaly-scorer",
    "two-inputs",
    "double-fp16",
    "double-fp32",
    "double-fp64",
    "double-u8",
    "double-i32",
    "double-i64",
    "cnn-224",
    "slow",
  ].map((n) => [n, modelPath(n)]),
);

/** True when the probe module and the models are built. */
export const NN_READY: boolean = modulesBuilt("nn-probe") &&
  Object.values(MODELS).every((p) => existsSync(p));

/** A note for test names when they are not. */
export const NN_NOTE: string = NN_READY
  ? ""
  : ` (skipped: nn-probe or the test models are not built in ${MODULES_DIR}; run deno task modules)`;

/** Bindings cache shared by the tests. */
export const CACHE_DIR: string = join(tmpdir(), "weir-test-bindings");

/** The probe's graph file text; `features` says whether it declares wasi-nn. */
export function probeGraphText(features = true): string {
  return `
metadata:
  $schema: "https://www.schemastore.org/aio-wasm-graph-config-1.0.0.json"
  name: "nn-probe"
  version: "1.0.0"
moduleRequirements:
  apiVersion: "1.1.0"
  runtimeVersion: "1.1.0"
${features ? '  features: [{ name: "wasi-nn" }]' : ""}
operations:
  - { operationType: "source", name: "source" }
  - { operationType: "map", name: "probe", module: "nn-probe:1.0.0" }
  - { operationType: "sink", name: "sink" }
connections:
  - { from: { name: "source" }, to: { name: "probe" } }
  - { from: { name: "probe" }, to: { name: "sink" } }
`;
}

/** The probe's graph; `features` says whether it declares wasi-nn. */
export function probeGraph(features = true): GraphDefinition {
  return parseGraph(probeGraphText(features), "nn-probe.yaml");
}

/** Options for {@linkcode runProbe}. */
export interface ProbeRunOptions {
  readonly isolation?: "worker" | "none";
  readonly features?: boolean;
  readonly wasiNn?: boolean;
  readonly nnLimits?: Partial<NnLimits>;
  readonly models?: Record<string, string>;
  readonly deadlineMs?: number;
  /** Records per engine push. @default 256 */
  readonly batchSize?: number;
}

/** What a probe run gave back. */
export interface ProbeRun {
  readonly answers: any[];
  readonly deadLetters: string[];
  readonly logs: string[];
}

/** Runs each command as one message through the probe; answers in input order. */
export async function runProbe(
  commands: object[],
  options: ProbeRunOptions = {},
): Promise<ProbeRun> {
  const records: Rec[] = [];
  let previous: Hlc | undefined;
  commands.forEach((c, i) => {
    const line = JSON.stringify({ topic: "probe", payload: JSON.stringify(c), ts: `${i + 1}:0:t` });
    const r = parseInputLine(line, `command ${i}`, previous);
    previous = r.time;
    records.push(r);
  });
  const answers: unknown[] = [];
  const deadLetters: string[] = [];
  const logs: string[] = [];
  const dec = new TextDecoder();
  await runOffline({
    graph: probeGraph(options.features ?? true),
    modulesDir: MODULES_DIR,
    config: new Map(),
    cacheDir: CACHE_DIR,
    log: jsonLogger({ level: "info", write: (l) => logs.push(l) }),
    isolation: options.isolation ?? "worker",
    deadlineMs: options.deadlineMs ?? 10_000,
    models: options.models ?? MODELS,
    ...(options.wasiNn === undefined ? {} : { wasiNn: options.wasiNn }),
    ...(options.nnLimits ? { nnLimits: options.nnLimits } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    onOutput: (r) => {
      if (r.data.kind !== "message") throw new Error("expected a message");
      answers.push(JSON.parse(dec.decode(r.data.payload)));
    },
    side: {
      late: () => {},
      deadLetter: (e) => void deadLetters.push(e.reason),
    },
  }, records);
  return { answers, deadLetters, logs };
}

/** A probe operator on its own wasi-nn channel. */
export interface ProbeOperator {
  /** Runs commands as one batch; answers in order (a dead-lettered one as `{failure}`). */
  send(...commands: object[]): Promise<any[]>;
  close(): Promise<void>;
}

let probeModule: Promise<CompiledModule> | undefined;

/** Opens a probe instance whose wasi-nn goes to `service` (or is refused by `policy`). */
export async function openProbe(
  isolation: "worker" | "none",
  service: NnService | undefined,
  policy: NnPolicy = { allowed: true },
  deadlineMs = 30_000,
): Promise<ProbeOperator> {
  probeModule ??= Deno.readFile(modulePath("nn-probe")).then((b) =>
    compileModule(b, "nn-probe", { cacheDir: CACHE_DIR })
  );
  const module = await probeModule;
  let channel = service && policy.allowed ? await service.openChannel() : undefined;
  // As the gateway does (gateway/nn_link.ts): a replacement worker gets a channel of its own.
  const renew = async () => channel = await service!.replaceChannel(channel!);
  const services = {
    log: jsonLogger({ level: "warn", write: () => {} }),
    metrics: new Metrics(),
    labels: { graph: "nn-probe", operation: "probe" },
    nn: { policy, ...(channel ? { channel, renew } : {}) },
  };
  const options = { operation: "probe", kind: "map" as const, properties: [], services };
  const op = isolation === "none"
    ? await createWasmOperator(module, options)
    : await createIsolatedOperator(module, { ...options, deadlineMs });
  if (op.kind !== "map") throw new Error("expected a map operator");
  const dec = new TextDecoder();
  let n = 0;
  return {
    async send(...commands) {
      let previous: Hlc | undefined;
      const batch = commands.map((c) => {
        const line = JSON.stringify({
          topic: "probe",
          payload: JSON.stringify(c),
          ts: `${++n}:0:t`,
        });
        const r = parseInputLine(line, "probe", previous);
        previous = r.time;
        return r;
      });
      const out = await op.process(batch);
      return out.map((o) =>
        o instanceof Failure
          ? { failure: o.reason }
          : o.kind === "message"
          ? JSON.parse(dec.decode(o.payload))
          : { failure: `unexpected ${o.kind}` }
      );
    },
    async close() {
      await op.close?.();
      if (channel) await service!.closeChannel(channel);
    },
  };
}

/** A probe input tensor of float32 numbers. */
export function fp32(name: string, dims: number[], data: number[]): object {
  return { name, type: "fp32", dims, data };
}

/** Base64 of bytes (the probe's `raw` and `load.bytes`). */
export function base64(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** Bytes of base64 text. */
export function unbase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
