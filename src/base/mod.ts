/**
 * Pure building blocks shared by every layer: errors, hybrid logical clocks,
 * the data model, the endpoint shapes the configuration and the connectors
 * share (`endpoints.ts`), and the one schema engine every file format and
 * request body is checked with (`schema.ts`, Ajv). No I/O, no globals.
 *
 * @example
 * ```ts
 * import { formatHlc, parseHlc } from "./mod.ts";
 * const t = parseHlc("1758255553000:0:df");
 * if (typeof t !== "string") formatHlc(t); // "001758255553000:00000:df"
 * ```
 *
 * @module
 */
export * from "./errors.ts";
export * from "./hlc.ts";
export * from "./hlc_clock.ts";
export * from "./data_model.ts";
export * from "./wording.ts";
export * from "./mqtt_topics.ts";
export * from "./yaml_path.ts";
export * from "./yaml_text.ts";
export * from "./yaml_issue.ts";
export * from "./digest.ts";
export * from "./hosts.ts";
export * from "./defined.ts";
export * from "./secrets.ts";
export type * from "./endpoints.ts";
export * from "./schema.ts";
export type { SchemaFinding, SourceOf } from "./schema_findings.ts";
export * from "./yaml_schema.ts";
export * from "./module_url.ts";
