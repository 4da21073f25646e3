/**
 * Logs and, later, metrics: below the engine so every layer can report.
 *
 * @example
 * ```ts
 * import { jsonLogger } from "./mod.ts";
 * const log = jsonLogger({ write: () => {} }).child({ graph: "g1" });
 * log.log("info", "graph started", { operations: 3 });
 * ```
 *
 * @module
 */
export * from "./logger.ts";
export * from "./log_throttle.ts";
export * from "./metrics.ts";
export * from "./module_metrics.ts";
export * from "./prometheus.ts";
export * from "./otel.ts";
export * from "./metrics_server.ts";
