/**
 * The layer rules (README, "Layout") as code: which area of `src/` may import which,
 * only through `mod.ts`, no cycles, and each third-party package in its areas.
 *
 * @module
 */

/** Areas and the areas each may import (besides itself). */
export const LAYERS: Record<string, readonly string[]> = {
  base: [],
  telemetry: ["base"],
  config: ["base"],
  graph: ["base"],
  store: ["base", "telemetry"],
  engine: ["base", "telemetry", "graph"],
  nn: ["base", "telemetry"],
  wasm: ["base", "telemetry", "engine", "nn"],
  connectors: ["base", "telemetry", "engine"],
  oci: ["base", "telemetry", "store"],
  gateway: [
    "base",
    "telemetry",
    "config",
    "graph",
    "store",
    "engine",
    "wasm",
    "connectors",
    "oci",
    "nn",
  ],
  admin: ["base", "telemetry", "graph", "gateway"],
  cli: ["base", "telemetry", "config", "graph", "oci", "gateway", "admin"],
};

/** Third-party packages (import-map names) and the areas allowed to use them. */
export const PACKAGES: Record<string, readonly string[]> = {
  yaml: ["base", "graph", "config"],
  /** The schema engine (src/base/schema.ts); every area checks through it. */
  ajv: ["base"],
  mqtt: ["connectors"],
  "@platformatic/kafka": ["connectors"],
  aedes: ["connectors"],
  hono: ["admin"],
  "@bytecodealliance/jco-transpile": ["wasm"],
  "@bytecodealliance/preview2-shim": ["wasm"],
  "@opentelemetry/api": ["telemetry"],
  "onnxruntime-node": ["nn"],
  "onnxruntime-web": ["nn"],
  /** Builds the test models (modules/models/); no area of src/ uses it. */
  "onnx-proto": [],
  /** Drives Chromium in the browser tests only; no area of src/ may use it. */
  "playwright-core": [],
  /** Property-based fuzzing in tests/fuzz only; no area of src/ may use it. */
  "fast-check": [],
};

/** One source file and the specifiers it imports. */
export interface SourceFile {
  /** Repo-relative path, e.g. `src/engine/node.ts`. */
  readonly path: string;
  readonly imports: readonly string[];
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s+["']([^"']+)["']/g;

/** The specifiers a TypeScript source imports or re-exports. */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function areaOf(path: string): string | undefined {
  const m = /^src\/([^/]+)\//.exec(path);
  return m?.[1];
}

function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

function packageName(spec: string): string {
  const bare = spec.replace(/^npm:/, "");
  // "@scope/name@1/sub" -> "@scope/name"; "name@1/sub" -> "name"
  const m = /^(@[^/]+\/[^/@]+|[^/@]+)/.exec(bare);
  return m ? m[1]! : bare;
}

/** Every broken rule, as readable lines. Empty when the tree is clean. */
export function checkArchitecture(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const from = areaOf(file.path);
    const targets: string[] = [];
    for (const spec of file.imports) {
      if (spec.startsWith("node:")) continue;
      if (!spec.startsWith(".")) {
        const pkg = packageName(spec);
        const allowed = PACKAGES[pkg];
        if (file.path.startsWith("tests/") || file.path.startsWith("modules/")) continue;
        if (!allowed) problems.push(`${file.path}: package "${pkg}" is not listed in PACKAGES`);
        else if (!from || !allowed.includes(from)) {
          problems.push(
            `${file.path}: package "${pkg}" belongs to ${
              allowed.join(", ") || "the tests only"
            }, not ${from ?? "this file"}`,
          );
        }
        continue;
      }
      const target = resolve(file.path, spec);
      targets.push(target);
      const to = areaOf(target);
      if (!to || to === from) continue;
      if (target !== `src/${to}/mod.ts`) {
        problems.push(
          `${file.path}: imports "${target}" past the door of "${to}"; use src/${to}/mod.ts`,
        );
      }
      if (file.path === "main.ts") {
        if (to !== "cli") problems.push(`main.ts: may import only the cli area, not "${to}"`);
      } else if (from) {
        const allowed = LAYERS[from];
        if (!allowed) problems.push(`${file.path}: area "${from}" is not in the layer table`);
        else if (!allowed.includes(to)) {
          problems.push(
            `${file.path}: "${from}" may not import "${to}" (allowed: ${
              allowed.join(", ") || "none"
            })`,
          );
        }
      }
    }
    if (from && !LAYERS[from]) {
      problems.push(`${file.path}: area "${from}" is not in the layer table`);
    }
    edges.set(file.path, targets);
  }
  problems.push(...findCycles(edges));
  return problems;
}

function findCycles(edges: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (!edges.has(m)) continue;
      const s = state.get(m);
      if (s === "open") {
        cycles.push(`import cycle: ${[...stack.slice(stack.indexOf(m)), m].join(" -> ")}`);
      } else if (s === undefined) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
  return cycles;
}
