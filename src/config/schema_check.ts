/**
 * The structural checker: walks the parsed YAML nodes against the gateway
 * JSON Schema, so structural findings come from the schema file itself.
 * Rule ids are the keyword that failed: `type`, `required`, `unknown-field`,
 * `enum`, `pattern`, `min-length`, `minimum`, `maximum`, `min-items`,
 * `one-of`, `key-pattern` (propertyNames), `const` and `forbidden`. An
 * `if`/`then`/`else` (the endpoint kinds) checks a mapping against the branch
 * its discriminating key picks.
 *
 * @module
 */
import { type Document, isAlias, isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import type { Finding, YamlPath } from "./issue.ts";
import { discriminator, type JsonSchema, type JsonType, resolveRef } from "./json_schema.ts";
import { closest, describe, kindOf, orList, quote, typeName } from "../base/mod.ts";
import { keyText } from "../base/mod.ts";

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
    if (schema.if !== undefined) {
      return this.check(this.#branch(schema, node), node, path);
    }
    if (isMap(node)) this.#checkMap(schema, node, path);
    if (isSeq(node)) {
      if (schema.minItems !== undefined && node.items.length < schema.minItems) {
        const expected = schema.minItems === 1
          ? "a non-empty list"
          : `at least ${schema.minItems} items`;
        const found = node.items.length === 0 ? "an empty list" : `${node.items.length} items`;
        this.#out.push({
          path,
          rule: "min-items",
          message: `found ${found}, expected ${expected}`,
        });
      }
      const items = schema.items;
      if (items !== undefined) {
        node.items.forEach((item, index) => this.check(items, item, [...path, index]));
      }
    }
  }

  /** The `then` or `else` of a schema, as the mapping's discriminating key decides. */
  #branch(schema: JsonSchema, node: unknown): JsonSchema {
    const test = discriminator(schema.if!)!;
    const pair = isMap(node) ? node.items.find((p) => keyText(p.key) === test.key) : undefined;
    const holds = pair !== undefined && isScalar(pair.value) && pair.value.value === test.value;
    return holds ? schema.then! : schema.else!;
  }

  #report(rule: string, path: YamlPath, message: string, at?: "key"): void {
    this.#out.push(at === undefined ? { path, rule, message } : { path, rule, message, at });
  }

  /** `enum`, `type`, string and number bounds; false when not worth descending into. */
  #checkValue(schema: JsonSchema, node: unknown, path: YamlPath): boolean {
    if (schema.enum !== undefined) {
      const value = isScalar(node) ? node.value : undefined;
      if (!schema.enum.some((allowed) => allowed === value)) {
        const allowed = orList([...new Set(schema.enum.map((v) => JSON.stringify(v)))]);
        this.#report("enum", path, `found ${describe(node)}, expected one of ${allowed}`);
      }
      return false;
    }
    if (schema.const !== undefined) {
      const value = isScalar(node) ? node.value : undefined;
      if (value !== schema.const) {
        this.#report(
          "const",
          path,
          `found ${describe(node)}, expected ${JSON.stringify(schema.const)}`,
        );
      }
      return false;
    }
    const kind = kindOf(node);
    if (schema.type !== undefined) {
      const types: readonly JsonType[] = typeof schema.type === "string"
        ? [schema.type]
        : schema.type;
      if (!types.some((t) => t === kind || (t === "number" && kind === "integer"))) {
        const hint = types.includes("string") && isScalar(node) && node.source
          ? ` (write it in quotes: "${node.source}")`
          : "";
        const expected = orList(types.map(typeName));
        this.#report("type", path, `found ${describe(node)}, expected ${expected}${hint}`);
        return false;
      }
    }
    if (isScalar(node) && typeof node.value === "string") {
      const text = node.value;
      if (schema.minLength !== undefined && text.length < schema.minLength) {
        const expected = schema.minLength === 1
          ? "a non-empty string"
          : `at least ${schema.minLength} characters`;
        this.#report("min-length", path, `found ${describe(node)}, expected ${expected}`);
      } else if (schema.pattern !== undefined && !compiled(schema.pattern).test(text)) {
        const expected = schema.title ?? `a string matching ${schema.pattern}`;
        this.#report("pattern", path, `found ${describe(node)}, expected ${expected}`);
      }
    }
    if (isScalar(node) && typeof node.value === "number") {
      const value = node.value;
      if (schema.minimum !== undefined && value < schema.minimum) {
        this.#report(
          "minimum",
          path,
          `found ${describe(node)}, expected at least ${schema.minimum}`,
        );
      }
      if (schema.maximum !== undefined && value > schema.maximum) {
        this.#report(
          "maximum",
          path,
          `found ${describe(node)}, expected at most ${schema.maximum}`,
        );
      }
    }
    return true;
  }

  /** `required`, `oneOf` (exclusive keys), `propertyNames`, `properties`, `additionalProperties`. */
  #checkMap(schema: JsonSchema, node: YAMLMap, path: YamlPath): void {
    const present = new Set(node.items.map((pair) => keyText(pair.key)));
    for (const key of schema.required ?? []) {
      if (!present.has(key)) {
        this.#report("required", [...path, key], `missing required field "${key}"`);
      }
    }
    const exclusive = (schema.oneOf ?? []).map((alternative) => alternative.required?.[0] ?? "");
    const given = exclusive.filter((key) => present.has(key));
    if (exclusive.length > 0 && given.length === 0) {
      this.#report(
        "required",
        path,
        `missing required field ${orList(exclusive.map((k) => `"${k}"`))}`,
      );
    } else if (given.length > 1) {
      const names = given.map((k) => `"${k}"`).join(" and ");
      this.#report(
        "one-of",
        [...path, given[1] ?? ""],
        `found ${names} together, expected only one of them`,
        "key",
      );
    }
    const names = schema.propertyNames === undefined
      ? undefined
      : schema.propertyNames.$ref === undefined
      ? schema.propertyNames
      : resolveRef(this.#root, schema.propertyNames.$ref);
    const known = Object.entries(schema.properties ?? {})
      .filter(([, s]) => s["x-weir-forbidden"] === undefined)
      .map(([k]) => k);
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (names?.pattern !== undefined && !compiled(names.pattern).test(key)) {
        const expected = names.title ?? `a key matching ${names.pattern}`;
        this.#report(
          "key-pattern",
          [...path, key],
          `found key ${quote(key)}, expected ${expected}`,
          "key",
        );
      }
      const property = schema.properties?.[key];
      const extra = schema.additionalProperties;
      if (property?.["x-weir-forbidden"] !== undefined) {
        this.#report(
          "forbidden",
          [...path, key],
          `found "${key}": ${property["x-weir-forbidden"]}`,
          "key",
        );
      } else if (property !== undefined) this.check(property, pair.value, [...path, key]);
      else if (typeof extra === "object") this.check(extra, pair.value, [...path, key]);
      else if (extra === false) {
        const guess = closest(key, known);
        const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
        const expected = orList(known.map((n) => `"${n}"`));
        const message = `found unknown field ${quote(key)}${hint}, expected ${expected}`;
        this.#report("unknown-field", [...path, key], message, "key");
      }
    }
  }
}
