/**
 * The JSON Schema subset the structural checker understands, and the graph
 * schema itself (`aio_graph.schema.json`, also shipped for editors). The
 * subset is checked when this module loads, so a keyword the checker would
 * silently ignore can never slip into the schema.
 *
 * @module
 */
import schemaJson from "./aio_graph.schema.json" with { type: "json" };

/** A JSON Schema primitive type name. */
import type { JsonType } from "../base/mod.ts";
export type { JsonType };

/** The draft-07 keywords the checker interprets (others are annotations only). */
export interface JsonSchema {
  /** A local reference, `#/definitions/Name`. */
  readonly $ref?: string;
  /** The allowed JSON type or types; `null` in a list makes the value optional-ish. */
  readonly type?: JsonType | readonly JsonType[];
  /** Keys a mapping must have. */
  readonly required?: readonly string[];
  /** Schemas of known mapping keys. */
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  /** `false` forbids other keys; a schema checks their values (a map of entries). */
  readonly additionalProperties?: boolean | JsonSchema;
  /** The only allowed scalar values. */
  readonly enum?: readonly (string | number | boolean | null)[];
  /** The schema of every list item. */
  readonly items?: JsonSchema;
  /** A regular expression (ECMA-262, `u` flag) that strings must match. */
  readonly pattern?: string;
  /** The minimum string length. */
  readonly minLength?: number;
  /** Only the form `[{required: [a]}, {required: [b]}, …]`: exactly one of these keys. */
  readonly oneOf?: readonly JsonSchema[];
  /** Used in messages as what a failing value should have been. */
  readonly title?: string;
  /** Named schemas for `$ref`. */
  readonly definitions?: Readonly<Record<string, JsonSchema>>;
  /** Weir's annotation: the rule id of failures at this schema node (default: by keyword). */
  readonly "x-weir-rule"?: string;
}

const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "description", "default", "examples"]);
const INTERPRETED = new Set([
  "$ref",
  "type",
  "required",
  "properties",
  "additionalProperties",
  "enum",
  "items",
  "pattern",
  "minLength",
  "oneOf",
  "title",
  "definitions",
  "x-weir-rule",
]);

/** Throws when a schema uses a keyword (or a `oneOf` form) the checker does not interpret. */
export function assertSupported(schema: JsonSchema, where = "#"): void {
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !INTERPRETED.has(keyword)) {
      throw new Error(`Schema keyword "${keyword}" at ${where} is not supported by the checker`);
    }
  }
  for (const alternative of schema.oneOf ?? []) {
    if (Object.keys(alternative).join() !== "required" || alternative.required?.length !== 1) {
      throw new Error(`Only oneOf of single-key "required" alternatives is supported, at ${where}`);
    }
  }
  const children: Array<[string, JsonSchema]> = [
    ...Object.entries(schema.properties ?? {}).map(([k, s]) => [`/properties/${k}`, s]),
    ...Object.entries(schema.definitions ?? {}).map(([k, s]) => [`/definitions/${k}`, s]),
  ] as Array<[string, JsonSchema]>;
  if (schema.items !== undefined) children.push(["/items", schema.items]);
  if (typeof schema.additionalProperties === "object") {
    children.push(["/additionalProperties", schema.additionalProperties]);
  }
  for (const [suffix, child] of children) assertSupported(child, where + suffix);
}

/** The graph definition schema, as loaded from `aio_graph.schema.json`. */
export const GRAPH_SCHEMA: JsonSchema = schemaJson as JsonSchema;
assertSupported(GRAPH_SCHEMA);

/** Resolves a local `#/definitions/Name` reference against the root schema. */
export function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  const name = ref.startsWith("#/definitions/") ? ref.slice("#/definitions/".length) : undefined;
  const target = name === undefined ? undefined : root.definitions?.[name];
  if (target === undefined) throw new Error(`Schema reference "${ref}" cannot be resolved`);
  return target;
}
