/**
 * Checks a component's imports and exports against what Weir hosts before it
 * runs: operator exports of one AIO ABI, imports only from that ABI's host
 * world, WASI 0.2 and wasi-nn (`wasi:nn@0.2.0-rc-2024-10-28`; whether a
 * module may run inference is decided when it calls `load`). Anything else is
 * refused, by name. WASI is granted sandboxed (wasi.ts) or, for sockets, http
 * and files, linked deny-all (wasi_denied.ts): stock toolchains import those
 * whether a module uses them or not, and a call gets "access denied".
 *
 * @module
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { sha256Hex, WeirError } from "../base/mod.ts";
import type { LogicKind } from "../engine/mod.ts";
import { sandboxedWasi } from "./wasi.ts";
import { DENIED_WASI_INTERFACES } from "./wasi_denied.ts";

/** The two operator ABIs. */
export const ABIS = {
  "wasm-graph:processor": "1.1.0",
  "tinykube-graph:processor": "1.0.0",
} as const;

/** One of the operator packages. */
export type AbiPackage = keyof typeof ABIS;

const OPERATORS: readonly LogicKind[] = ["map", "filter", "branch", "accumulate", "delay"];

/** The preview ABI's host interfaces; 1.1.0 adds the schema registry. */
const PREVIEW_HOST_INTERFACES = [
  "types",
  "hybrid-logical-clock",
  "logger",
  "metrics",
  "state-store-types",
  "state-store",
  "rpc-types",
  "command-invoker",
];

const HOST_INTERFACES: Record<AbiPackage, readonly string[]> = {
  "wasm-graph:processor": [...PREVIEW_HOST_INTERFACES, "schema-types", "schema-registry"],
  "tinykube-graph:processor": PREVIEW_HOST_INTERFACES,
};

/** The wasi-nn revision Weir hosts (AIO's), and its interfaces. */
export const WASI_NN_VERSION = "0.2.0-rc-2024-10-28";
const WASI_NN_INTERFACES = ["tensor", "graph", "inference", "errors"];

/** The WASI 0.2 packages. */
const WASI_PACKAGES = [
  "wasi:cli",
  "wasi:io",
  "wasi:clocks",
  "wasi:filesystem",
  "wasi:random",
  "wasi:sockets",
  "wasi:http",
];

/** Their interfaces Weir links, without versions. */
const WASI_GRANTED: ReadonlySet<string> = new Set(Object.keys(sandboxedWasi(() => {})));
const WASI_DENIED: ReadonlySet<string> = new Set(DENIED_WASI_INTERFACES);

/** What a component offers and needs. */
export interface ModuleInfo {
  readonly package: AbiPackage;
  readonly abi: string;
  readonly operators: readonly LogicKind[];
  readonly imports: readonly string[];
  readonly exports: readonly string[];
  /** The imports linked deny-all (every call answers "access denied"). */
  readonly denied: readonly string[];
}

interface Name {
  readonly pkg: string;
  readonly iface: string;
  readonly version: string;
}

function parseName(text: string): Name | undefined {
  const m = /^([a-z0-9-]+:[a-z0-9-]+)\/%?([a-z0-9-]+)@([^\s;]+)$/.exec(text.trim());
  return m ? { pkg: m[1]!, iface: m[2]!, version: m[3]! } : undefined;
}

/** Import and export names from `componentWit` text. */
export function worldItems(wit: string): { imports: string[]; exports: string[] } {
  const imports: string[] = [];
  const exports: string[] = [];
  for (const m of wit.matchAll(/^\s*(import|export) ([^;{]+);\s*$/gm)) {
    (m[1] === "import" ? imports : exports).push(m[2]!.trim());
  }
  return { imports, exports };
}

function why(item: string, pkg: AbiPackage | undefined): string | undefined {
  const n = parseName(item);
  if (!n) return `import "${item}" is not an interface Weir provides`;
  if (n.pkg === "wasi:nn") {
    if (n.version !== WASI_NN_VERSION) {
      return `import "${item}" needs wasi-nn ${n.version}; Weir provides ${WASI_NN_VERSION}`;
    }
    return WASI_NN_INTERFACES.includes(n.iface)
      ? undefined
      : `import "${item}" is not a wasi-nn interface`;
  }
  if (WASI_PACKAGES.includes(n.pkg)) {
    if (!n.version.startsWith("0.2.")) {
      return `import "${item}" needs WASI ${n.version}; Weir provides 0.2.x`;
    }
    const key = `${n.pkg}/${n.iface}`;
    return WASI_GRANTED.has(key) || WASI_DENIED.has(key)
      ? undefined
      : `import "${item}" is not a WASI 0.2 interface a host links`;
  }
  if (pkg && n.pkg === pkg) {
    if (n.version !== ABIS[pkg]) {
      return `import "${item}" has version ${n.version}; expected ${ABIS[pkg]}`;
    }
    return HOST_INTERFACES[pkg].includes(n.iface)
      ? undefined
      : `import "${item}" is not in the host world`;
  }
  return `import "${item}" is outside the host world and WASI 0.2`;
}

/** Reads a component's world from its WIT text and checks it; `label` names it in errors. */
export function checkWorld(wit: string, label: string): ModuleInfo {
  const { imports, exports } = worldItems(wit);
  const operators: LogicKind[] = [];
  const packages = new Set<AbiPackage>();
  const problems: string[] = [];
  for (const item of exports) {
    const n = parseName(item);
    if (n && n.pkg in ABIS && OPERATORS.includes(n.iface as LogicKind)) {
      const pkg = n.pkg as AbiPackage;
      if (n.version !== ABIS[pkg]) {
        problems.push(`export "${item}" has version ${n.version}; expected ${ABIS[pkg]}`);
      }
      packages.add(pkg);
      operators.push(n.iface as LogicKind);
    }
  }
  if (operators.length === 0) {
    problems.push(
      `it exports no operator (map, filter, branch, accumulate or delay of wasm-graph:processor@1.1.0 or tinykube-graph:processor@1.0.0)`,
    );
  }
  if (packages.size > 1) problems.push(`it mixes operator ABIs: ${[...packages].join(" and ")}`);
  const pkg = packages.size === 1 ? [...packages][0]! : undefined;
  for (const item of imports) {
    const problem = why(item, pkg);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0 || !pkg) {
    throw new WeirError("module_invalid", `Module "${label}" is refused: ${problems.join("; ")}`);
  }
  const denied = imports.filter((item) => {
    const n = parseName(item);
    return n !== undefined && WASI_DENIED.has(`${n.pkg}/${n.iface}`);
  });
  return { package: pkg, abi: ABIS[pkg], operators, imports, exports, denied };
}

/** Options for {@linkcode inspectModule}. */
export interface InspectOptions {
  /**
   * Where the component's world text is kept by digest, so a restart reads it
   * instead of loading wasm-tools (the check itself always runs again).
   */
  readonly cacheDir?: string;
}

/** Inspects component bytes; throws a `module_invalid` error naming every problem. */
export async function inspectModule(
  bytes: Uint8Array,
  label: string,
  options: InspectOptions = {},
): Promise<ModuleInfo> {
  const file = options.cacheDir === undefined
    ? undefined
    : join(options.cacheDir, `${sha256Hex(bytes)}.wit`);
  let wit = file === undefined ? undefined : await readFile(file, "utf8").catch(() => undefined);
  if (wit === undefined) {
    try {
      const { componentWit } = await import("@bytecodealliance/jco-transpile/wasm-tools");
      wit = await componentWit(bytes);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new WeirError(
        "module_invalid",
        `Module "${label}" is not a WebAssembly component: ${detail}`,
      );
    }
    if (file !== undefined) await keep(file, wit);
  }
  return checkWorld(wit, label);
}

/** Writes through a temporary file, so a crash never leaves half of it. */
async function keep(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${crypto.randomUUID()}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
