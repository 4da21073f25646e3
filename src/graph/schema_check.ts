/**
 * The structural checker: walks the parsed YAML nodes against the graph
 * JSON Schema, so structural findings come from the schema file itself.
 * It interprets the subset declared in `json_schema.ts`; rule ids are the
 * keyword that failed (`type`, `required`, `unknown-field`, `enum`,
 * `pattern`, `min-length`, `one-of`) unless the schema node names its own
 * with `x-weir-rule`.
 *
 * @module
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import type { Finding } from "./issue.ts";
import { type JsonSchema, type JsonType, resolveRef } from "./json_schema.ts";
import { closest, describe, kindOf, orList, quote, typeName } from "../base/mod.ts";
import { keyText, type YamlPath } from "../base/mod.ts";

/** Checks a document against a schema and returns every structural finding. */
export function checkStructure(doc: Document.Parsed, root: JsonSchema): Finding[] {
  const findings: Finding[] = [];
  new Walker(doc, root, findings).check(root, doc.contents, []);
  return findings;
}

const PATTERNS = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let regex = PATTERNS.get(pattern);
  if (regex === undefined) PATTERNS.set(pattern, regex = new RegExp(pattern, "u"));
  return regex;
}

class Walker {
  readonly #doc: Document.Parsed;
  readonly #root: JsonSchema;
  readonly #out: Finding[];

  constructor(doc: Document.Parsed, root: JsonSchema, out: Finding[]) {
    this.#doc = doc;
    this.#root = root;
    this.#out = out;
  }

  /** Checks one node (and what is below it) against one schema node. */
  check(schema: JsonSchema, raw: unknown, path: YamlPath): void {
    if (schema.$ref !== undefined) {
      return this.check(resolveRef(this.#root, schema.$ref), raw, path);
    }
    const node = isAlias(raw) ? raw.resolve(this.#doc) : raw;
    if (!this.#checkValue(schema, node, path)) return;
    if (isMap(node)) this.#checkMap(schema, node, path);
    if (isSeq(node) && schema.items !== undefined) {
      const items = schema.items;
      node.items.forEach((item, index) => this.check(items, item, [...path, index]));
    }
  }

  #report(schema: JsonSchema, keyword: string, path: YamlPath, message: string, at?: "key"): void {
    const rule = schema["x-weir-rule"] ?? keyword;
    this.#out.push(at === undefined ? { path, rule, message } : { path, rule, message, at });
  }

  /** `enum`, `type`, `minLength`, `pattern`; false when the node is not worth descending into. */
  #checkValue(schema: JsonSchema, node: unknown, path: YamlPath): boolean {
    // An enum is stricter than a type and names the allowed values, so it speaks instead.
    if (schema.enum !== undefined) {
      const value = isScalar(node) ? node.value : undefined;
      if (!schema.enum.some((allowed) => allowed === value)) {
        const allowed = orList(schema.enum.map((v) => JSON.stringify(v)));
        const message = `found ${describe(node)}, expected one of ${allowed}`;
        this.#report(schema, "enum", path, message + quoteHint(node, schema));
      }
      return false;
    }
    if (schema.type !== undefined) {
      const kind = kindOf(node);
      const types: readonly JsonType[] = typeof schema.type === "string"
        ? [schema.type]
        : schema.type;
      if (!types.some((t) => t === kind || (t === "number" && kind === "integer"))) {
        const message = `found ${describe(node)}, expected ${orList(types.map(typeName))}`;
        this.#report(schema, "type", path, message + quoteHint(node, schema));
        return false;
      }
    }
    if (isScalar(node) && typeof node.value === "string") {
      const text = node.value;
      if (schema.minLength !== undefined && text.length < schema.minLength) {
        const expected = schema.minLength === 1
          ? "a non-empty string"
          : `at least ${schema.minLength} characters`;
        this.#report(schema, "min-length", path, `found ${describe(node)}, expected ${expected}`);
      }
      if (schema.pattern !== undefined && !compiled(schema.pattern).test(text)) {
        const expected = schema.title ?? `a string matching ${schema.pattern}`;
        this.#report(schema, "pattern", path, `found ${describe(node)}, expected ${expected}`);
      }
    }
    return true;
  }

  /** `required`, `oneOf` (exclusive keys), `properties`, `additionalProperties`. */
  #checkMap(schema: JsonSchema, node: YAMLMap, path: YamlPath): void {
    const present = new Set(node.items.map((pair) => keyText(pair.key)));
    for (const key of schema.required ?? []) {
      if (!present.has(key)) {
        this.#report(schema, "required", [...path, key], `missing required field "${key}"`);
      }
    }
    const exclusive = (schema.oneOf ?? []).map((alternative) => alternative.required?.[0] ?? "");
    const given = exclusive.filter((key) => present.has(key));
    if (exclusive.length > 0 && given.length === 0) {
      const names = orList(exclusive.map((k) => `"${k}"`));
      this.#report(schema, "required", path, `missing required field ${names}`);
    } else if (given.length > 1) {
      const names = given.map((k) => `"${k}"`).join(" and ");
      const message = `found ${names} together, expected only one of them`;
      this.#report(schema, "one-of", [...path, given[1] ?? ""], message, "key");
    }
    const known = Object.keys(schema.properties ?? {});
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const property = schema.properties?.[key];
      const extra = schema.additionalProperties;
      if (property !== undefined) this.check(property, pair.value, [...path, key]);
      else if (typeof extra === "object") this.check(extra, pair.value, [...path, key]);
      else if (extra === false) {
        const guess = closest(key, known);
        const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
        const expected = orList(known.map((n) => `"${n}"`));
        const message = `found unknown field ${quote(key)}${hint}, expected ${expected}`;
        this.#report(schema, "unknown-field", [...path, key], message, "key");
      }
    }
  }
}

/** For unquoted `True` or `1.0` where a string was wanted: suggest quoting the source text. */
function quoteHint(node: unknown, schema: JsonSchema): string {
  if (!isScalar(node) || node.value === null || typeof node.value === "string") return "";
  const source = node.source;
  if (source === undefined || source === "") return "";
  const wantsString = schema.enum !== undefined
    ? schema.enum.includes(source)
    : schema.type === "string" || (Array.isArray(schema.type) && schema.type.includes("string"));
  return wantsString ? ` (write it in quotes: "${source}")` : "";
}
