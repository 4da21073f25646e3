/**
 * The gateway configuration: one YAML file with the broker endpoints, the
 * dataflows between them, the data directory, logging and the
 * store-and-forward queue bounds. `gateway.schema.json` is the single source
 * of truth for its shape and defaults (editors can use it too); the rules a
 * schema cannot say are checked in code. Every issue of a file is reported
 * at once as `file:line:col: path: found …, expected … [rule]`.
 *
 * @example
 * ```ts ignore
 * import { ConfigError, loadConfigFile } from "./mod.ts";
 *
 * try {
 *   const config = await loadConfigFile("weir.yaml");
 *   for (const [name, flow] of Object.entries(config.dataflows)) console.log(name, flow.source.topics);
 * } catch (error) {
 *   if (error instanceof ConfigError) console.error(error.message); // one line per issue
 * }
 * ```
 *
 * @module
 */
export { checkConfig, type ConfigCheck, loadConfigFile, parseConfig } from "./load.ts";
export type { ParseConfigOptions } from "./load.ts";
export { defaultDataDir, parseSize } from "./build.ts";
export { ConfigError, type ConfigErrorCode, type ConfigIssue, formatConfigIssue } from "./issue.ts";
export { CONFIG_SCHEMA, type JsonSchema } from "./json_schema.ts";
export { destinationProblem, filterProblem, OUTPUT_TOPIC, topicMatches } from "./topics.ts";
export * from "./types.ts";
