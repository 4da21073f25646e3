/**
 * The gateway configuration: one YAML file with the broker endpoints, the
 * dataflows between them, the data directory, logging and the
 * store-and-forward queue bounds. `gateway.schema.json` is the single source
 * of truth for its shape and defaults (editors can use it too), with the
 * endpoint schemas of the connectors it refers to; the rules a schema cannot
 * say are checked in code. Every issue of a file is reported at once as
 * `file:line:col: path: found …, expected … [rule]`. The gateway layer gives
 * the reader of its connectors (`checkConfig`, `parseConfig`, `loadConfigFile`).
 *
 * @example
 * ```ts ignore
 * import { ConfigError, ConfigReader } from "./mod.ts";
 *
 * const reader = new ConfigReader([{ kind: "mqtt", schema: mqttEndpointSchema }]);
 * try {
 *   const config = await reader.load("weir.yaml");
 *   for (const [name, flow] of Object.entries(config.dataflows)) console.log(name, flow.source.topics);
 * } catch (error) {
 *   if (error instanceof ConfigError) console.error(error.message); // one line per issue
 * }
 * ```
 *
 * @module
 */
export { type ConfigCheck, ConfigReader, type ParseConfigOptions } from "./load.ts";
export { defaultDataDir, parseSize } from "./build.ts";
export { ConfigError, type ConfigErrorCode, type ConfigIssue, formatConfigIssue } from "./issue.ts";
export { CONFIG_SCHEMA, type EndpointSchema, endpointSchemaRef } from "./schema.ts";
export type { JsonSchema } from "../base/mod.ts";
export { destinationProblem, filterProblem, OUTPUT_TOPIC, topicMatches } from "./topics.ts";
export * from "./types.ts";
