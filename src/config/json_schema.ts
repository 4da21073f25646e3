/**
 * The JSON Schema subset the configuration checker understands, and the
 * gateway schema itself (`gateway.schema.json`, also shipped for editors).
 * The subset is checked when this module loads, so a keyword the checker
 * would silently ignore can never slip into the schema.
 *
 * @module
 */
import schemaJson from "./gateway.schema.json" with { type: "json" };

/** A JSON Schema primitive type name. */
import type { JsonType } from "../base/mod.ts";
export type { JsonType };

/** The draft-07 keywords the checker interprets (others are annotations only). */
export interface JsonSchema {
  /** A local reference, `#/definitions/Name`. */
  readonly $ref?: string;
  /** The allowed JSON type or types. */
  readonly type?: JsonType | readonly JsonType[];
  /** Keys a mapping must have. */
  readonly required?: readonly string[];
  /** Schemas of known mapping keys. */
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  /** `false` forbids other keys; a schema checks their values (a map of entries). */
  readonly additionalProperties?: boolean | JsonSchema;
  /** The schema every key of a mapping must satisfy. */
  readonly propertyNames?: JsonSchema;
  /** The only allowed scalar values. */
  readonly enum?: readonly (string | number | boolean | null)[];
  /** The one allowed scalar value. */
  readonly const?: string | number | boolean | null;
  /**
   * Only the form `{required: [k], properties: {k: {const: v}}}`: a mapping whose key `k`
   * is `v` is checked against `then`, any other value against `else` (endpoint kinds).
   */
  readonly if?: JsonSchema;
  /** The schema when `if` holds. */
  readonly then?: JsonSchema;
  /** The schema when `if` does not hold. */
  readonly else?: JsonSchema;
  /** The schema of every list item. */
  readonly items?: JsonSchema;
  /** The fewest items a list may have. */
  readonly minItems?: number;
  /** A regular expression (ECMA-262, `u` flag) that strings must match. */
  readonly pattern?: string;
  /** The minimum string length. */
  readonly minLength?: number;
  /** The smallest number allowed. */
  readonly minimum?: number;
  /** The largest number allowed. */
  readonly maximum?: number;
  /** Only the form `[{required: [a]}, {required: [b]}, …]`: exactly one of these keys. */
  readonly oneOf?: readonly JsonSchema[];
  /** Used in messages as what a failing value should have been. */
  readonly title?: string;
  /** The value a missing key takes; the loader applies it. */
  readonly default?: unknown;
  /** Named schemas for `$ref`. */
  readonly definitions?: Readonly<Record<string, JsonSchema>>;
  /** Weir's annotation: this key must not be given; the text says why and what instead. */
  readonly "x-weir-forbidden"?: string;
}

const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "description", "examples"]);
const INTERPRETED = new Set([
  "$ref",
  "type",
  "required",
  "properties",
  "additionalProperties",
  "propertyNames",
  "enum",
  "const",
  "if",
  "then",
  "else",
  "items",
  "minItems",
  "pattern",
  "minLength",
  "minimum",
  "maximum",
  "oneOf",
  "title",
  "default",
  "definitions",
  "x-weir-forbidden",
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
  if (schema.if !== undefined) {
    if (discriminator(schema.if) === undefined) {
      throw new Error(
        `Only an "if" of the form {required: [k], properties: {k: {const: v}}} is supported, at ${where}`,
      );
    }
    if (schema.then === undefined || schema.else === undefined) {
      throw new Error(`An "if" needs both "then" and "else", at ${where}`);
    }
  }
  const children: Array<[string, JsonSchema]> = [
    ...Object.entries(schema.properties ?? {}).map(([k, s]) => [`/properties/${k}`, s]),
    ...Object.entries(schema.definitions ?? {}).map(([k, s]) => [`/definitions/${k}`, s]),
  ] as Array<[string, JsonSchema]>;
  if (schema.items !== undefined) children.push(["/items", schema.items]);
  if (schema.then !== undefined) children.push(["/then", schema.then]);
  if (schema.else !== undefined) children.push(["/else", schema.else]);
  if (schema.propertyNames !== undefined) children.push(["/propertyNames", schema.propertyNames]);
  if (typeof schema.additionalProperties === "object") {
    children.push(["/additionalProperties", schema.additionalProperties]);
  }
  for (const [suffix, child] of children) assertSupported(child, where + suffix);
}

/** The key and value an `if` tests, when it has the one supported form. */
export function discriminator(
  condition: JsonSchema,
): { readonly key: string; readonly value: string | number | boolean | null } | undefined {
  const key = condition.required?.[0];
  const properties = Object.entries(condition.properties ?? {});
  if (
    key === undefined || condition.required?.length !== 1 || properties.length !== 1 ||
    properties[0]![0] !== key || Object.keys(condition).sort().join() !== "properties,required"
  ) return undefined;
  const test = properties[0]![1];
  if (Object.keys(test).join() !== "const" || test.const === undefined) return undefined;
  return { key, value: test.const };
}

/** The branch of an `if`/`then`/`else` schema a plain value takes. */
export function branchOf(schema: JsonSchema, value: unknown): JsonSchema {
  const test = discriminator(schema.if!)!;
  const holds = value !== null && typeof value === "object" && !Array.isArray(value) &&
    (value as Record<string, unknown>)[test.key] === test.value;
  return holds ? schema.then! : schema.else!;
}

/** The gateway configuration schema, as loaded from `gateway.schema.json`. */
export const CONFIG_SCHEMA: JsonSchema = schemaJson as JsonSchema;
assertSupported(CONFIG_SCHEMA);

/** Resolves a local `#/definitions/Name` reference against the root schema. */
export function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  const name = ref.startsWith("#/definitions/") ? ref.slice("#/definitions/".length) : undefined;
  const target = name === undefined ? undefined : root.definitions?.[name];
  if (target === undefined) throw new Error(`Schema reference "${ref}" cannot be resolved`);
  return target;
}

/** Follows `$ref`s until a schema node with content. */
export function deref(root: JsonSchema, schema: JsonSchema): JsonSchema {
  let node = schema;
  for (let i = 0; node.$ref !== undefined && i < 32; i++) node = resolveRef(root, node.$ref);
  return node;
}

/**
 * Fills in the schema's `default`s, in place, wherever a mapping lacks a key
 * that has one; then descends into mappings and lists. Run it only on a value
 * that passed the structural check.
 */
export function applyDefaults(root: JsonSchema, schema: JsonSchema, value: unknown): unknown {
  const node = deref(root, schema);
  if (Array.isArray(value)) {
    if (node.items !== undefined) value.forEach((item) => applyDefaults(root, node.items!, item));
    return value;
  }
  if (value === null || typeof value !== "object") return value;
  if (node.if !== undefined) return applyDefaults(root, branchOf(node, value), value);
  const record = value as Record<string, unknown>;
  for (const [key, property] of Object.entries(node.properties ?? {})) {
    const target = deref(root, property);
    if (!(key in record) && target.default !== undefined) {
      record[key] = structuredClone(target.default);
    }
    if (key in record) record[key] = applyDefaults(root, property, record[key]);
  }
  const extra = node.additionalProperties;
  if (typeof extra === "object") {
    for (const key of Object.keys(record)) {
      if (node.properties?.[key] === undefined) {
        record[key] = applyDefaults(root, extra, record[key]);
      }
    }
  }
  return value;
}
