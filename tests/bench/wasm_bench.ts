/**
 * The WebAssembly boundary: the Rust temperature map (°F → °C, so the module
 * parses and writes JSON) at 100 B and 4 KB payloads, in-thread and isolated
 * in a worker, at batch sizes 1, 64 and 1024; next to a raw core-wasm call
 * that does the same copy in and out, and next to the same module on jco's
 * bindings as generated (only the debug hook off: what Weir ran before
 * src/wasm/bindings_patch.ts), in the same run. Each iteration runs RECORDS
 * records. Records/s = RECORDS / time per iteration.
 *
 * The payload is a valid reading, `{"temperature":{"value":1209,"unit":"F","pad":"xx…"}}`,
 * so every record takes the success path (parse, convert, serialize, metric,
 * log). An extra top-level key would make every record a module `err`.
 *
 * Needs the sample modules (deno task modules).
 * Run: deno task bench   (or: deno bench -A --unstable-worker-options tests/bench/wasm_bench.ts)
 */
import { hlc, type Message } from "../../src/base/mod.ts";
import type { OperatorLogic, Rec } from "../../src/engine/mod.ts";
import { Metrics, silentLogger } from "../../src/telemetry/mod.ts";
import {
  type CompiledModule,
  compileModule,
  createIsolatedOperator,
  createWasmOperator,
  patchBindings,
} from "../../src/wasm/mod.ts";
import { transpileBytes } from "@bytecodealliance/jco-transpile";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { modulePath, modulesBuilt } from "../_modules.ts";

const RECORDS = 4096;
const enc = new TextEncoder();

function payload(size: number): Uint8Array {
  const base = { temperature: { value: 1209, unit: "F", pad: "" } };
  const fixed = JSON.stringify(base).length;
  base.temperature.pad = "x".repeat(Math.max(0, size - fixed));
  return enc.encode(JSON.stringify(base));
}

type Instantiate = (
  core: (name: string) => Promise<WebAssembly.Module>,
  imports: Record<string, Record<string, unknown>>,
) => Promise<Record<string, unknown>>;

/** `module` on jco's bindings as generated, with the same (memory-capped) core modules. */
async function unpatched(module: CompiledModule, bytes: Uint8Array): Promise<CompiledModule> {
  const out = await transpileBytes(bytes, {
    name: "op",
    instantiation: { tag: "async" },
    emitTypescriptDeclarations: false,
  });
  const raw = new TextDecoder().decode((out.files as Record<string, Uint8Array>)["op.js"]);
  const js = patchBindings(raw, {
    skip: ["lean", "created-reps", "data-view", "utf8-decode", "copy-bytes"],
  }).js;
  const cores = new Map(await module.coreModules());
  const url = URL.createObjectURL(new Blob([js], { type: "text/javascript" }));
  const { instantiate } = (await import(url)) as { instantiate: Instantiate };
  URL.revokeObjectURL(url);
  return {
    ...module,
    bindingsSource: js,
    instantiate: (imports) => instantiate((n) => Promise.resolve(cores.get(n)!), imports),
  };
}

function records(size: number): Rec[] {
  const data: Message = {
    kind: "message",
    timestamp: { secs: 1, nanos: 0, counter: 0, node: "b" },
    topic: enc.encode("sensors/t1"),
    contentType: null,
    payload: payload(size),
    userProperties: [],
    schema: null,
  };
  return Array.from({ length: RECORDS }, (_, i) => ({ time: hlc(i, 0, "b"), data }));
}

const services = {
  log: silentLogger,
  metrics: new Metrics(),
  labels: { graph: "bench", operation: "map" },
};

/** A core module that copies `len` bytes and XORs them in place: the floor under any component call. */
const RAW_WAT = `(module
  (memory (export "memory") 2)
  (func (export "touch") (param $p i32) (param $n i32)
    (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (i32.add (local.get $p) (local.get $i))
        (i32.xor (i32.load8_u (i32.add (local.get $p) (local.get $i))) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))`;

if (!modulesBuilt("temperature")) {
  // deno-lint-ignore no-console
  console.error("wasm_bench: modules/dist/temperature.wasm is missing; run deno task modules");
} else {
  const bytes = await Deno.readFile(modulePath("temperature"));
  const module = await compileModule(bytes, "temperature");
  const modules = { "": module, " (jco as generated)": await unpatched(module, bytes) };
  const rawModule = await WebAssembly.compile((await parse(RAW_WAT)) as Uint8Array<ArrayBuffer>);
  const raw = await WebAssembly.instantiate(rawModule);
  const exports = raw.exports as {
    memory: WebAssembly.Memory;
    touch: (p: number, n: number) => void;
  };

  for (const size of [100, 4096]) {
    const input = records(size);
    Deno.bench({
      name: `raw core-wasm copy in + touch + copy out, ${size} B, ${RECORDS} records/iter`,
      group: `wasm ${size} B`,
      fn: () => {
        const mem = new Uint8Array(exports.memory.buffer);
        for (const r of input) {
          const p = (r.data as Message).payload;
          mem.set(p, 1024);
          exports.touch(1024, p.length);
          mem.slice(1024, 1024 + p.length);
        }
      },
    });
    for (
      const [isolation, [variant, module]] of (["in-thread", "isolated"] as const).flatMap((i) =>
        Object.entries(modules).map((m) => [i, m] as const)
      )
    ) {
      const op: OperatorLogic = isolation === "in-thread"
        ? await createWasmOperator(module, {
          operation: "map",
          kind: "map",
          properties: [],
          services,
        })
        : await createIsolatedOperator(module, {
          operation: "map",
          kind: "map",
          properties: [],
          services,
          deadlineMs: 10_000,
        });
      if (op.kind !== "map") throw new Error("expected map");
      for (const batch of [1, 64, 1024]) {
        const chunks: Rec[][] = [];
        for (let i = 0; i < input.length; i += batch) chunks.push(input.slice(i, i + batch));
        Deno.bench({
          name:
            `temperature map ${isolation}${variant}, ${size} B, batch ${batch}, ${RECORDS} records/iter`,
          group: `wasm ${size} B`,
          n: isolation === "isolated" && batch === 1 ? 3 : 10,
          warmup: 2,
          fn: async () => {
            for (const c of chunks) await op.process(c);
          },
        });
      }
    }
  }
}
