/**
 * Pure building blocks shared by every layer: errors, hybrid logical clocks
 * and the data model. No I/O, no globals.
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
export * from "./module_url.ts";
