/**
 * The graph layer: loads Azure IoT Operations graph definition YAML (schema
 * `aio-wasm-graph-config-1.0.0` and the older preview shape) into a checked
 * {@linkcode GraphDefinition}, or reports every issue of the file at once,
 * and answers the engine's questions about a loaded graph. This is the only
 * entry point other layers import.
 *
 * @example
 * ```ts ignore
 * import { checkGraph, formatIssue, topologicalOrder } from "./mod.ts";
 *
 * const { graph, issues } = checkGraph(text, "graphs/temperature.yaml");
 * if (graph === undefined) issues.forEach((i) => console.error(formatIssue(i)));
 * else for (const op of topologicalOrder(graph)) console.log(op.name);
 * ```
 *
 * @module
 */
export { checkGraph, type GraphCheck, parseGraph } from "./check.ts";
export { loadGraphFile } from "./load.ts";
export { findOperation, incoming, outgoing, topologicalOrder } from "./topology.ts";
export { formatIssue, type GraphIssue, GraphValidationError } from "./issue.ts";
export { GRAPH_SCHEMA } from "./schema.ts";
export type { JsonSchema, JsonType } from "../base/mod.ts";
export * from "./types.ts";
