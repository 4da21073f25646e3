/**
 * The WebAssembly component host: loads AIO operator modules (WIT
 * `wasm-graph:processor@1.1.0` and `tinykube-graph:processor@1.0.0`) and
 * adapts them to the engine's batch operator contract.
 *
 * @module
 */
export * from "./host_buffer.ts";
export * from "./transpile.ts";
export * from "./wit_values.ts";
