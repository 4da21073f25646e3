/**
 * Ajv's errors in Weir's words: each becomes a {@linkcode SchemaFinding} at
 * the path of the value it is about, worded `found …, expected …`, its rule
 * the keyword that failed: `type`, `required`, `unknown-field`, `enum`,
 * `const`, `pattern`, `min-length`, `minimum`, `maximum`, `min-items`,
 * `one-of`, `key-pattern` (propertyNames), `forbidden` (`x-weir-forbidden`),
 * `dependency` — or the rule a schema node names with `x-weir-rule`.
 *
 * @module
 */
import type { ErrorObject } from "ajv";
import { closest, describe, type JsonType, orList, quote, typeName } from "./wording.ts";
import type { Finding, PathSegment, YamlPath } from "./yaml_path.ts";

/** The source text of the scalar at a path, when the value came from text. */
export type SourceOf = (path: YamlPath) => string | undefined;

/** A finding of the schema engine, with the parts other wordings need. */
export interface SchemaFinding extends Finding {
  /** The value found; absent when a field is missing. */
  readonly value?: unknown;
  /** What was expected, in words (the text after "expected"). */
  readonly expected?: string;
  /** The failing schema node's `title`: what the value should have been, said for people. */
  readonly title?: string;
  /** The keys concerned: the exclusive alternatives (`one-of`, `required`) or the known ones. */
  readonly keys?: readonly string[];
}

type Schema = Readonly<Record<string, unknown>>;

const RULES: Readonly<Record<string, string>> = {
  additionalProperties: "unknown-field",
  minLength: "min-length",
  maxLength: "max-length",
  minItems: "min-items",
  maxItems: "max-items",
  oneOf: "one-of",
  anyOf: "any-of",
  dependencies: "dependency",
  "x-weir-forbidden": "forbidden",
  "x-weir-safe-integer": "type",
};

/** The path of a JSON pointer into `root`: list indexes as numbers, keys unescaped. */
function pathOf(pointer: string, root: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  let node = root;
  for (const raw of pointer === "" ? [] : pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    const segment = Array.isArray(node) ? Number(key) : key;
    path.push(segment);
    node = node !== null && typeof node === "object"
      ? (node as Record<PathSegment, unknown>)[segment]
      : undefined;
  }
  return path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function typesOf(schema: Schema): JsonType[] {
  const type = schema.type;
  return typeof type === "string" ? [type as JsonType] : Array.isArray(type) ? type : [];
}

/** The keys of `oneOf: [{required: [a]}, {required: [b]}, …]`; undefined for other forms. */
function exclusiveKeys(schema: Schema): string[] | undefined {
  const alternatives = schema.oneOf as readonly Schema[];
  const keys = alternatives.map((alternative) => {
    const required = alternative.required;
    const single = Object.keys(alternative).length === 1 && Array.isArray(required) &&
      required.length === 1;
    return single ? String(required[0]) : undefined;
  });
  return keys.every((k) => k !== undefined) ? keys as string[] : undefined;
}

/** For unquoted `True` or `1.0` where text was wanted: the hint to write it in quotes. */
function quoteHint(value: unknown, source: string | undefined, wanted: (s: string) => boolean) {
  if (value === null || typeof value === "string" || typeof value === "object") return "";
  return source !== undefined && source !== "" && wanted(source)
    ? ` (write it in quotes: "${source}")`
    : "";
}

/** One Ajv error in Weir's words; undefined for errors another one already says. */
function findingOf(
  error: ErrorObject,
  root: unknown,
  sourceOf?: SourceOf,
): SchemaFinding | undefined {
  const parent = (error.parentSchema ?? {}) as Schema;
  const path = pathOf(error.instancePath, root);
  const value: unknown = error.data;
  const rule = (parent["x-weir-rule"] as string | undefined) ?? RULES[error.keyword] ??
    error.keyword;
  const title = typeof parent.title === "string" ? parent.title : undefined;
  const found = (expected: string, hint = ""): SchemaFinding => ({
    path,
    rule,
    message: `found ${describe(value)}, expected ${expected}${hint}`,
    value,
    expected,
    ...(title === undefined ? {} : { title }),
  });
  // Inside propertyNames, Ajv names the key: the finding is about the key, not the value.
  if (error.propertyName !== undefined) {
    const key = error.propertyName;
    const expected = title ?? `a key matching ${String(parent.pattern ?? "the schema")}`;
    return {
      path: [...path, key],
      rule: "key-pattern",
      message: `found key ${quote(key)}, expected ${expected}`,
      at: "key",
      value: key,
      expected,
      ...(title === undefined ? {} : { title }),
    };
  }
  // Branches of oneOf/anyOf speak through their parent; if/propertyNames through their branches.
  if (/\/(?:oneOf|anyOf)\/\d+\//.test(error.schemaPath)) return undefined;
  switch (error.keyword) {
    case "if":
    case "propertyNames":
      return undefined;
    case "type":
    case "x-weir-safe-integer": {
      // An enum names the allowed values, so it speaks instead.
      if (parent.enum !== undefined) return undefined;
      const types = typesOf(parent);
      const hint = quoteHint(value, sourceOf?.(path), () => types.includes("string"));
      return found(orList(types.map(typeName)), hint);
    }
    case "enum": {
      const allowed = parent.enum as readonly unknown[];
      const names = [...new Set(allowed.map((v) => JSON.stringify(v)))];
      const hint = quoteHint(value, sourceOf?.(path), (s) => allowed.includes(s));
      return found(`one of ${orList(names)}`, hint);
    }
    case "const":
      return found(JSON.stringify(parent.const));
    case "pattern":
      return found(title ?? `a string matching ${String(parent.pattern)}`);
    case "minLength": {
      const n = parent.minLength as number;
      return found(n === 1 ? "a non-empty string" : `at least ${n} characters`);
    }
    case "maxLength":
      return found(`at most ${parent.maxLength as number} characters`);
    case "minimum":
      return found(`at least ${parent.minimum as number}`);
    case "maximum":
      return found(`at most ${parent.maximum as number}`);
    case "exclusiveMinimum":
      return found(`more than ${parent.exclusiveMinimum as number}`);
    case "exclusiveMaximum":
      return found(`less than ${parent.exclusiveMaximum as number}`);
    case "minItems":
    case "maxItems": {
      const n = (error.params as { limit: number }).limit;
      const length = Array.isArray(value) ? value.length : 0;
      const expected = error.keyword === "maxItems"
        ? `at most ${n} items`
        : n === 1
        ? "a non-empty list"
        : `at least ${n} items`;
      const count = length === 0 ? "an empty list" : `${length} items`;
      return { path, rule, message: `found ${count}, expected ${expected}`, value, expected };
    }
    case "required": {
      const key = (error.params as { missingProperty: string }).missingProperty;
      return { path: [...path, key], rule, message: `missing required field "${key}"` };
    }
    case "dependencies": {
      const { property, missingProperty } = error.params as Record<string, string>;
      return {
        path: [...path, property!],
        rule,
        message: `found "${property}" without "${missingProperty}", expected both`,
        at: "key",
        keys: [property!, missingProperty!],
      };
    }
    case "additionalProperties": {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      const properties = (parent.properties ?? {}) as Readonly<Record<string, Schema>>;
      const known = Object.keys(properties)
        .filter((k) => properties[k]?.["x-weir-forbidden"] === undefined);
      const guess = closest(key, known);
      const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
      const expected = orList(known.map((k) => `"${k}"`));
      return {
        path: [...path, key],
        rule,
        message: `found unknown field ${quote(key)}${hint}, expected ${expected}`,
        at: "key",
        keys: known,
      };
    }
    case "x-weir-forbidden": {
      const key = String(path[path.length - 1]);
      return { path, rule, message: `found "${key}": ${String(parent[error.keyword])}`, at: "key" };
    }
    case "oneOf": {
      const keys = exclusiveKeys(parent);
      if (keys === undefined) return found("exactly one of the schema's alternatives");
      // Not a mapping: there are no keys to choose between, and the type says so.
      if (!isRecord(value)) return undefined;
      const given = keys.filter((k) => k in value);
      const quoted = (list: string[]) => list.map((k) => `"${k}"`);
      const extra = title === undefined ? {} : { title };
      if (given.length === 0) {
        return {
          path,
          rule: "required",
          message: `missing required field ${orList(quoted(keys))}`,
          keys,
          ...extra,
        };
      }
      return {
        path: [...path, given[1]!],
        rule,
        message: `found ${quoted(given).join(" and ")} together, expected only one of them`,
        at: "key",
        keys,
        ...extra,
      };
    }
    default:
      return found(error.message ?? `what the schema's "${error.keyword}" allows`);
  }
}

function samePath(a: YamlPath, b: YamlPath): boolean {
  return a.length === b.length && a.every((segment, i) => b[i] === segment);
}

/** The keyword a finding's value check comes from, as the filters below compare them. */
function kindOfCheck(keyword: string): string {
  return keyword === "x-weir-safe-integer" ? "type" : keyword;
}

/**
 * Every Ajv error of one check in Weir's words, as the hand-written checks
 * said them: at a path where the type is wrong, only the type speaks; an enum
 * speaks instead of a type or a const; a string too short is not also said to
 * miss its pattern; and a finding two schema nodes make (a type checked at an
 * `if` and in its branch) is said once.
 */
export function findingsOf(
  errors: readonly ErrorObject[],
  root: unknown,
  sourceOf?: SourceOf,
): SchemaFinding[] {
  const all = errors.flatMap((error) => {
    const finding = findingOf(error, root, sourceOf);
    return finding === undefined ? [] : [{ finding, check: kindOfCheck(error.keyword) }];
  });
  const at = (path: YamlPath, check: string) =>
    all.some((g) =>
      g.check === check && g.finding.at === undefined && samePath(g.finding.path, path)
    );
  const kept = all.filter(({ finding, check }) => {
    if (finding.at !== undefined) return true;
    if (check === "type" || check === "const") return !at(finding.path, "enum");
    if (check === "pattern" && at(finding.path, "minLength")) return false;
    return check === "enum" || !at(finding.path, "type");
  });
  const seen = new Set<string>();
  return kept.map(({ finding }) => finding).filter((f) => {
    const key = JSON.stringify([f.path, f.rule, f.message]);
    return !seen.has(key) && (seen.add(key), true);
  });
}
