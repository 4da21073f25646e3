/**
 * A module ready to instantiate: checked, transpiled (or taken from the
 * cache), its bindings imported and its core modules compiled once. Every
 * operation that uses the module gets its own instance from here.
 *
 * @module
 */
import { capMemory } from "./memory_limit.ts";
import { type Bindings, transpileComponent } from "./transpile.ts";
import { inspectModule, type ModuleInfo } from "./module_check.ts";

/** The exports of one instance: an interface object per operator kind. */
export type ModuleExports = Record<string, unknown>;

type Instantiate = (
  getCoreModule: (name: string) => Promise<WebAssembly.Module>,
  imports: Record<string, Record<string, unknown>>,
) => Promise<ModuleExports>;

/** A checked, compiled module. */
export interface CompiledModule {
  /** Names the module in errors and logs. */
  readonly label: string;
  readonly info: ModuleInfo;
  readonly digest: string;
  /** A fresh, uninitialised instance wired to `imports`. */
  instantiate(imports: Record<string, Record<string, unknown>>): Promise<ModuleExports>;
  /** The bindings' JavaScript source, for instantiating in a worker. */
  readonly bindingsSource: string;
  /** The compiled, memory-capped core modules by name, for a worker. */
  coreModules(): Promise<Array<[string, WebAssembly.Module]>>;
  /** Why calls take jco's slower generic path, when they do (see bindings_patch.ts). */
  readonly slowReason?: string;
}

/** Options for {@linkcode compileModule}. */
export interface CompileOptions {
  /** Where transpiled bindings are cached. */
  cacheDir?: string;
  /** Linear memory cap per instance, in bytes. @default 64 MiB */
  memoryLimit?: number;
}

/** The default linear-memory cap per module instance. */
export const DEFAULT_MEMORY_LIMIT = 64 * 2 ** 20;

async function importBindings(b: Bindings): Promise<Instantiate> {
  const url = URL.createObjectURL(new Blob([b.js], { type: "text/javascript" }));
  try {
    const ns = await import(url) as { instantiate: Instantiate };
    return ns.instantiate;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Checks, transpiles and compiles component bytes. */
export async function compileModule(
  bytes: Uint8Array,
  label: string,
  options: CompileOptions = {},
): Promise<CompiledModule> {
  const info = await inspectModule(
    bytes,
    label,
    options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir },
  );
  const bindings = await transpileComponent(bytes, options);
  const instantiate = await importBindings(bindings);
  const cores = new Map<string, Promise<WebAssembly.Module>>();
  const core = (name: string) => {
    let m = cores.get(name);
    if (!m) {
      const bytes = bindings.cores.get(name);
      if (!bytes) {
        return Promise.reject(new Error(`Bindings ask for unknown core module "${name}"`));
      }
      const capped = capMemory(bytes, options.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
      m = WebAssembly.compile(capped as Uint8Array<ArrayBuffer>);
      cores.set(name, m);
    }
    return m;
  };
  return {
    label,
    info,
    digest: bindings.digest,
    instantiate: (imports) => instantiate(core, imports),
    bindingsSource: bindings.js,
    ...(bindings.lean ? {} : { slowReason: bindings.slowReason ?? "unknown" }),
    coreModules: () =>
      Promise.all(
        [...bindings.cores.keys()].map(async (n) =>
          [n, await core(n)] as [string, WebAssembly.Module]
        ),
      ),
  };
}
