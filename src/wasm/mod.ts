/**
 * The WebAssembly component host: checks AIO operator modules (WIT
 * `wasm-graph:processor@1.1.0` and `tinykube-graph:processor@1.0.0`),
 * transpiles them with jco (cached by digest), and adapts each instance to
 * the engine's batch operator contract with sandboxed WASI.
 *
 * @example
 * ```ts ignore
 * const module = await compileModule(bytes, "temperature", { cacheDir });
 * const op = await createWasmOperator(module, { operation: "t/map", kind: "map", properties: [], services });
 * ```
 *
 * @module
 */
export * from "./compiled_module.ts";
export * from "./host_buffer.ts";
export * from "./host_imports.ts";
export * from "./module_check.ts";
export type { ModuleSchema, OperationInit, Outcome } from "./operator_core.ts";
export * from "./transpile.ts";
export * from "./wasi.ts";
export * from "./wasm_operator.ts";
export * from "./wit_values.ts";
export * from "./isolated_operator.ts";
export * from "./state_store.ts";
export * from "./wasi_nn.ts";
export * from "./deadline_watch.ts";
export * from "./progress_slots.ts";
export * from "./stuck_workers.ts";
