/**
 * Turns a graph's module operations into engine operators: resolves and
 * compiles each module once (`<modulesDir>/<name>.wasm`), resolves the
 * configuration of each operation, and makes one instance per operation,
 * isolated in a worker or in-thread. Shared by the offline runner and the
 * live gateway.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { sha256Hex, WeirError } from "../base/mod.ts";
import type { LogicKind, OperatorLogic } from "../engine/mod.ts";
import type { GraphDefinition, Operation } from "../graph/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import {
  type CompiledModule,
  compileModule,
  createIsolatedOperator,
  createWasmOperator,
  type ModuleSchema,
  type StateStore,
} from "../wasm/mod.ts";
import { resolveConfigurations } from "./configuration.ts";
import { moduleFile, moduleName } from "./module_ref.ts";
import { type GraphNnOptions, openOperationNn } from "./nn_link.ts";

/** Options for {@linkcode graphOperators}. */
export interface GraphOperatorOptions {
  /** Modules resolve as `<modulesDir>/<name>.wasm`, unless `moduleFiles` names them. */
  readonly modulesDir: string;
  /** Files of modules by the reference the graph writes (pulled from a registry). */
  readonly moduleFiles?: ReadonlyMap<string, string>;
  /** Told about each module file once it is read and compiled. */
  readonly onModule?: (ref: string, file: { path: string; digest: string; size: number }) => void;
  /** The graph node's flat configuration key/values. */
  readonly config: ReadonlyMap<string, string>;
  /** Where transpiled bindings are cached. */
  readonly cacheDir?: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Schemas every operation's `init` receives. */
  readonly schemas?: readonly ModuleSchema[];
  /** The graph's state store (in-thread operators) and its file (isolated ones). */
  readonly stateStore: StateStore;
  readonly statePath: string;
  /** @default "worker" */
  readonly isolation?: "worker" | "none";
  /** @default 1000 */
  readonly deadlineMs?: number;
  /** wasi-nn: the inference service, or why it is off (see nn_link.ts). */
  readonly nn?: GraphNnOptions;
}

/**
 * Compiled modules by content and name, kept for the life of the process: a redeploy or
 * rollback with modules already seen skips the world check, transpile and compile (which
 * would otherwise take the main thread away from live traffic during a hot swap).
 */
const compiledModules = new Map<string, Promise<CompiledModule>>();
const COMPILED_KEPT = 64;

function compiledOnce(
  bytes: Uint8Array,
  name: string,
  cacheDir: string | undefined,
): Promise<CompiledModule> {
  const key = `${sha256Hex(bytes)}/${name}`;
  let entry = compiledModules.get(key);
  if (!entry) {
    entry = compileModule(bytes, name, cacheDir === undefined ? {} : { cacheDir });
    entry.catch(() => compiledModules.delete(key));
    compiledModules.set(key, entry);
    if (compiledModules.size > COMPILED_KEPT) {
      compiledModules.delete(compiledModules.keys().next().value!);
    }
  }
  return entry;
}

async function loadModules(graph: GraphDefinition, options: GraphOperatorOptions) {
  const byName = new Map<string, CompiledModule>();
  for (const op of graph.operations) {
    if (op.module === null || byName.has(moduleName(op.module))) continue;
    const path = options.moduleFiles?.get(op.module) ?? moduleFile(options.modulesDir, op.module);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch {
      throw new WeirError(
        "module_invalid",
        `Module "${op.module}" of operation "${op.name}" was not found at "${path}"`,
      );
    }
    const compiled = await compiledOnce(bytes, moduleName(op.module), options.cacheDir);
    byName.set(moduleName(op.module), compiled);
    if (compiled.slowReason !== undefined) {
      // The fast call path did not fit these bindings (e.g. after a jco upgrade): say so.
      options.metrics.add("weir_module_slow_path_total", 1, { module: moduleName(op.module) });
      options.log.log("warn", "module runs on jco's slower generic call path", {
        module: op.module,
        reason: compiled.slowReason,
      });
    }
    if (compiled.info.denied.length > 0) {
      options.log.log("debug", "module imports linked deny-all", {
        module: op.module,
        denied: compiled.info.denied,
      });
    }
    options.onModule?.(op.module, {
      path,
      digest: `sha256:${compiled.digest}`,
      size: bytes.byteLength,
    });
  }
  return byName;
}

/** Checks configuration and modules up front; returns the engine's operator factory. */
export async function graphOperators(
  graph: GraphDefinition,
  options: GraphOperatorOptions,
): Promise<(op: Operation) => Promise<OperatorLogic>> {
  const configurations = resolveConfigurations(graph, options.config);
  const modules = await loadModules(graph, options);
  const graphName = graph.metadata?.name ?? graph.source;
  return async (op: Operation) => {
    const module = modules.get(moduleName(op.module!))!;
    const nn = await openOperationNn(graph, module.info.imports, options.nn);
    const common = {
      operation: op.name,
      kind: op.operationType as LogicKind,
      properties: configurations.get(op.name) ?? [],
      schemas: options.schemas ?? [],
      services: {
        log: options.log.child({ graph: graphName, operation: op.name }),
        metrics: options.metrics,
        labels: { graph: graphName, operation: op.name },
        stateStore: options.stateStore,
        ...(nn.link ? { nn: nn.link } : {}),
      },
    };
    try {
      return nn.attach(
        options.isolation === "none"
          ? await createWasmOperator(module, common)
          : await createIsolatedOperator(module, {
            ...common,
            deadlineMs: options.deadlineMs ?? 1000,
            statePath: options.statePath,
          }),
      );
    } catch (error) {
      await nn.close();
      throw error;
    }
  };
}
