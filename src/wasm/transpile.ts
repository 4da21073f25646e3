/**
 * Component bytes → JavaScript bindings plus core modules, through jco at
 * runtime, cached on disk by the component's sha256 so a restart or a
 * rollback skips the transpile (13–350 ms) entirely. jco itself (tens of
 * megabytes of JavaScript, WebAssembly and a native add-on) is loaded only on
 * a cache miss, so a gateway restarting on cached modules never loads it.
 *
 * @module
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
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
const CACHE_VERSION = "jco-transpile-0.15.0-p3";
const NAME = "op";

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

async function readCached(dir: string, digest: string): Promise<Bindings | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as {
      version: string;
      cores: string[];
      lean: boolean;
      slowReason?: string;
    };
    if (meta.version !== CACHE_VERSION) return undefined;
    const js = await readFile(join(dir, `${NAME}.js`), "utf8");
    const cores = new Map<string, Uint8Array>();
    for (const name of meta.cores) cores.set(name, new Uint8Array(await readFile(join(dir, name))));
    return {
      digest,
      js,
      cores,
      lean: meta.lean === true,
      ...(typeof meta.slowReason === "string" ? { slowReason: meta.slowReason } : {}),
    };
  } catch {
    return undefined;
  }
}

async function writeCached(dir: string, b: Bindings): Promise<void> {
  // Write into a temporary folder and rename, so a crash never leaves half a cache entry.
  const tmp = `${dir}.tmp-${crypto.randomUUID()}`;
  await mkdir(tmp, { recursive: true });
  await writeFile(join(tmp, `${NAME}.js`), b.js);
  for (const [name, bytes] of b.cores) await writeFile(join(tmp, name), bytes);
  await writeFile(
    join(tmp, "meta.json"),
    JSON.stringify({
      version: CACHE_VERSION,
      cores: [...b.cores.keys()],
      lean: b.lean,
      ...defined({ slowReason: b.slowReason }),
    }),
  );
  try {
    await rename(tmp, dir);
  } catch {
    // Another loader won the race (its entry is equivalent), or a broken entry is in the way:
    // replace that one, so the cache never stays unusable.
    if (!(await readCached(dir, b.digest))) {
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir).catch(() => {});
    }
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
  const { transpileBytes } = await import("@bytecodealliance/jco-transpile");
  const out = await transpileBytes(bytes, {
    name: NAME,
    instantiation: { tag: "async" },
    emitTypescriptDeclarations: false,
  });
  const files = out.files as Record<string, Uint8Array>;
  const cores = new Map<string, Uint8Array>();
  let patched: ReturnType<typeof patch> = { js: "", lean: false, reason: "no bindings" };
  for (const [name, data] of Object.entries(files)) {
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
