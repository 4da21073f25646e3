/**
 * Component bytes → JavaScript bindings plus core modules, through jco at
 * runtime, cached on disk by the component's sha256 so a restart or a
 * rollback skips the transpile (13–350 ms) entirely. The cache lives in the
 * data directory, which the gateway may write: each entry records the sha256
 * of its files, and an entry that does not match them is transpiled again.
 *
 * jco itself (tens of megabytes of JavaScript and WebAssembly) is loaded only
 * on a cache miss, so a gateway restarting on cached modules never loads it.
 * Its bindings generator is called directly (`jco-transpile/component`), not
 * through `transpileBytes`: that wrapper imports oxc-minify eagerly, a native
 * add-on the gateway would need FFI permission for, for a minify step Weir
 * never asks for. The options below are the ones `transpileBytes` passes for
 * `{ instantiation: "async", emitTypescriptDeclarations: false }`; a test
 * compares both outputs.
 *
 * @module
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GenerateOptions } from "@bytecodealliance/jco-transpile/component";
import { patchBindings } from "./bindings_patch.ts";
import { defined, sha256Hex } from "../base/mod.ts";

export {
  type BindingsPatch,
  patchBindings,
  type PatchName,
  type PatchOptions,
} from "./bindings_patch.ts";

/** What jco produced for one component. */
export interface Bindings {
  /** sha256 of the component, hex. */
  readonly digest: string;
  /** The ES module that instantiates the component. */
  readonly js: string;
  /** Core wasm modules by the file name the bindings ask for. */
  readonly cores: ReadonlyMap<string, Uint8Array>;
  /** Whether the lean (fast) call path applied; see bindings_patch.ts. */
  readonly lean: boolean;
  /** Why the lean path did not apply, when it did not. */
  readonly slowReason?: string;
}

/** Bumped when the generated code or the patches below change, to invalidate caches. */
const CACHE_VERSION = "jco-transpile-0.15.0-p4";
const NAME = "op";

/** What jco-transpile 0.15.0's `transpileBytes` asks the generator for, for async instantiation. */
const GENERATE_OPTIONS: GenerateOptions = {
  name: NAME,
  map: [],
  instantiation: { tag: "async" },
  validLiftingOptimization: false,
  tracing: false,
  noComponentErrorWrapping: true,
  noNodejsCompat: false,
  noTypescript: true,
  tlaCompat: false,
  base64Cutoff: 5000,
  noNamespacedExports: false,
  multiMemory: false,
  bindgenEnableWasmExnref: false,
  strict: false,
  flagsAsBigint: false,
  variantsInlineCases: false,
  useNamespaceObjects: false,
  enumValuesScreamingSnakeCase: false,
  asmjs: false,
};

/**
 * Source transforms on the generated bindings (see bindings_patch.ts): jco's
 * debug hook off, a resource-rep leak closed, cheaper memory access and
 * strings, and, for components that are synchronous throughout (Weir's Rust
 * and JS modules; not composed ones such as componentize-py's), jco's
 * component-model-async task bookkeeping removed from every export and
 * import call. A component the lean transforms do not fit keeps jco's runtime.
 */
function patch(js: string): { js: string; lean: boolean; reason?: string } {
  const p = patchBindings(js);
  return p.reason === undefined
    ? { js: p.js, lean: p.lean }
    : { js: p.js, lean: p.lean, reason: p.reason };
}

/** A cache entry's record: the generator version, each file's sha256 and the patch outcome. */
interface CacheMeta {
  readonly version: string;
  readonly cores: string[];
  readonly sha256: Record<string, string>;
  /** Whether the lean call path applied, and why not when it did not. */
  readonly lean: boolean;
  readonly slowReason?: string;
}

/** The cached bindings, or undefined when there are none or they do not match their record. */
async function readCached(dir: string, digest: string): Promise<Bindings | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as CacheMeta;
    if (meta.version !== CACHE_VERSION) return undefined;
    const jsBytes = new Uint8Array(await readFile(join(dir, `${NAME}.js`)));
    if (sha256Hex(jsBytes) !== meta.sha256[`${NAME}.js`]) return undefined;
    const cores = new Map<string, Uint8Array>();
    for (const name of meta.cores) {
      const bytes = new Uint8Array(await readFile(join(dir, name)));
      if (sha256Hex(bytes) !== meta.sha256[name]) return undefined;
      cores.set(name, bytes);
    }
    return {
      digest,
      js: new TextDecoder().decode(jsBytes),
      cores,
      lean: meta.lean === true,
      ...defined({ slowReason: typeof meta.slowReason === "string" ? meta.slowReason : undefined }),
    };
  } catch {
    return undefined;
  }
}

async function writeCached(dir: string, b: Bindings): Promise<void> {
  // Write into a temporary folder and rename, so a crash never leaves half a cache entry.
  const tmp = `${dir}.tmp-${crypto.randomUUID()}`;
  await mkdir(tmp, { recursive: true });
  const js = new TextEncoder().encode(b.js);
  await writeFile(join(tmp, `${NAME}.js`), js);
  const sha256: Record<string, string> = { [`${NAME}.js`]: sha256Hex(js) };
  for (const [name, bytes] of b.cores) {
    await writeFile(join(tmp, name), bytes);
    sha256[name] = sha256Hex(bytes);
  }
  const meta: CacheMeta = {
    version: CACHE_VERSION,
    cores: [...b.cores.keys()],
    sha256,
    lean: b.lean,
    ...defined({ slowReason: b.slowReason }),
  };
  await writeFile(join(tmp, "meta.json"), JSON.stringify(meta));
  // An entry that did not match its record (or an older version's) is replaced.
  await rm(dir, { recursive: true, force: true });
  try {
    await rename(tmp, dir);
  } catch {
    // Another loader won the race; its entry is equivalent.
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Options for {@linkcode transpileComponent}. */
export interface TranspileOptions {
  /** Folder for cached bindings; no caching when absent. */
  cacheDir?: string;
}

/** Transpiles a component, or returns the cached bindings of identical bytes. */
export async function transpileComponent(
  bytes: Uint8Array,
  options: TranspileOptions = {},
): Promise<Bindings> {
  const digest = sha256Hex(bytes);
  const dir = options.cacheDir === undefined ? undefined : join(options.cacheDir, digest);
  if (dir) {
    const cached = await readCached(dir, digest);
    if (cached) return cached;
  }
  // Loaded here, on a miss only: see the module note.
  const { $init, generate } = await import("@bytecodealliance/jco-transpile/component");
  await $init;
  const out = generate(bytes, GENERATE_OPTIONS);
  const cores = new Map<string, Uint8Array>();
  let patched: ReturnType<typeof patch> = { js: "", lean: false, reason: "no bindings" };
  for (const [name, data] of out.files) {
    if (name === `${NAME}.js`) patched = patch(new TextDecoder().decode(data));
    else if (name.endsWith(".wasm")) cores.set(name, data);
  }
  const bindings: Bindings = {
    digest,
    js: patched.js,
    cores,
    lean: patched.lean,
    ...defined({ slowReason: patched.reason }),
  };
  if (dir) await writeCached(dir, bindings);
  return bindings;
}
