/**
 * Pieces the YAML fuzz targets (graph definitions, gateway configuration)
 * share: mutations of a valid document's value (a field removed, replaced by
 * any JSON or a hostile constant, duplicated, renamed), damage to its text
 * (lines cut, doubled or shifted, characters inserted, the text cut off),
 * YAML that is hostile by construction, and the rule every reported issue
 * follows.
 *
 * @module
 */
import fc from "fast-check";
import { stringify } from "yaml";
import type { YamlIssue } from "../../src/base/mod.ts";

/**
 * One change to a document's value, at the path picked by `at` among all its paths: a field
 * or item removed, replaced, duplicated (an item twice in its list; a field's value as a
 * two-item list) or renamed (a field's key; an item wrapped under a key).
 */
export type ValueMutation =
  | { readonly kind: "delete"; readonly at: number }
  | { readonly kind: "replace"; readonly at: number; readonly value: unknown }
  | { readonly kind: "duplicate"; readonly at: number }
  | { readonly kind: "rename"; readonly at: number; readonly key: string };

/** One change to a document's text. */
export type TextMutation =
  | { readonly kind: "cut-line"; readonly at: number }
  | { readonly kind: "double-line"; readonly at: number }
  | { readonly kind: "indent"; readonly at: number; readonly by: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string }
  | { readonly kind: "truncate"; readonly at: number };

/** Values that have broken parsers before: wrong types, edges of numbers, odd strings. */
export const NASTY_VALUES: readonly unknown[] = [
  null,
  "",
  " ",
  0,
  -1,
  0.5,
  1e308,
  -1e308,
  2 ** 53,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  [],
  {},
  [null],
  { "": "" },
  "__proto__",
  "constructor",
  "toString",
  "${outputTopic}",
  "../../etc/passwd",
  "a".repeat(5_000),
  "\u0000",
  "\ud800",
  "é\u0301",
  "#",
  "+",
  "$share/g/t",
  "mqtt://",
  "mqtts://[::1]:0",
  "0.5B",
  "9999999GiB",
];

/** Replacement values: mostly any JSON, sometimes one of {@linkcode NASTY_VALUES}. */
export const replacementArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_VALUES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

/** Key names for renames: near-misses of real ones, prototype names, anything. */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "name", "Name", "name ", "", "<<", "$schema"),
  fc.string({ maxLength: 12 }),
);

export const valueMutationArb: fc.Arbitrary<ValueMutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: replacementArb }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("rename" as const), at: fc.nat(), key: keyArb }),
);

export const textMutationArb: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant("cut-line" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("double-line" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("indent" as const),
    at: fc.nat(),
    by: fc.integer({ min: -4, max: 4 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(":", "- ", "\t", "\n", "&a ", "*a", "!!str ", "? ", "{", "]", "'", '"', "#"),
      fc.string({ maxLength: 10 }),
    ),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

/** YAML that is hostile by construction. */
export const NASTY_YAML: readonly string[] = [
  "",
  "---",
  "--- a\n--- b\n",
  "~",
  "[]",
  "a: &a [*a]",
  `a: &a ["x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n` +
  `d: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e]\n`,
  "[".repeat(500) + "]".repeat(500),
  "{".repeat(500),
  "a:\n" + "  ".repeat(200) + "b: 1",
  "x: !!binary AAAA",
  "x: !!js/function 'function(){}'",
  "<<: {a: 1}\n<<: {b: 2}",
  "? [a, b]\n: c",
  "\ufeffa: 1",
  "a: 1\na: 2",
  "a:\tb",
  "%YAML 1.1\n---\na: yes",
  "a: 0x10\nb: 0o7\nc: .inf\nd: .nan",
];

function paths(value: unknown, prefix: readonly (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i], ...paths(v, [...prefix, i]));
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k], ...paths(v, [...prefix, k]));
    }
  }
  return out;
}

function parentOf(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path.slice(0, -1)) {
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

/** Applies `mutations` to a deep copy of `value`, in order. */
export function mutateValue(value: unknown, mutations: readonly ValueMutation[]): unknown {
  const root = { doc: structuredClone(value) };
  for (const m of mutations) {
    const all = paths(root.doc, ["doc"]);
    const path = all.length === 0 ? ["doc"] : all[m.at % all.length]!;
    const parent = parentOf(root, path) as Record<string | number, unknown> | unknown[];
    const last = path[path.length - 1]!;
    const current = (parent as Record<string | number, unknown>)[last];
    if (Array.isArray(parent) && typeof last === "number") {
      if (m.kind === "delete") parent.splice(last, 1);
      else if (m.kind === "replace") parent[last] = structuredClone(m.value);
      else if (m.kind === "duplicate") parent.splice(last, 0, structuredClone(current));
      else parent[last] = { [m.key]: current };
    } else {
      const object = parent as Record<string, unknown>;
      if (m.kind === "delete") delete object[last];
      else if (m.kind === "replace") object[last] = structuredClone(m.value);
      else if (m.kind === "duplicate") object[`${last}`] = [current, current];
      else {
        delete object[last];
        Object.defineProperty(object, m.key, {
          value: current,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
  }
  return root.doc;
}

/** YAML text of a value (JSON-compatible output, so odd keys survive). */
export function yamlOf(value: unknown): string {
  return stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 }) ?? "";
}

/** Applies `mutations` to `text`, in order. */
export function mutateText(text: string, mutations: readonly TextMutation[]): string {
  let out = text;
  for (const m of mutations) {
    const lines = out.split("\n");
    const line = m.at % Math.max(lines.length, 1);
    if (m.kind === "cut-line") lines.splice(line, 1);
    else if (m.kind === "double-line") lines.splice(line, 0, lines[line] ?? "");
    else if (m.kind === "indent") {
      const l = lines[line] ?? "";
      lines[line] = m.by >= 0 ? " ".repeat(m.by) + l : l.replace(new RegExp(`^ {0,${-m.by}}`), "");
    }
    if (m.kind === "cut-line" || m.kind === "double-line" || m.kind === "indent") {
      out = lines.join("\n");
    } else {
      const at = m.at % (out.length + 1);
      out = m.kind === "insert" ? out.slice(0, at) + m.text + out.slice(at) : out.slice(0, at);
    }
  }
  return out;
}

/** The longest message one issue may have: an issue must not echo a hostile input whole. */
const MAX_ISSUE = 2_000;

/** Throws unless every issue is placed in the file and says what it found in a few words. */
export function checkIssues(issues: readonly YamlIssue[], file: string, text: string): void {
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const issue of issues) {
    const where = `${issue.file}:${issue.line}:${issue.column} ${issue.rule}`;
    if (issue.file !== file) throw new Error(`Issue names file "${issue.file}": ${where}`);
    if (!(Number.isInteger(issue.line) && issue.line >= 1 && issue.line <= lines + 1)) {
      throw new Error(`Issue outside the text (${lines} lines): ${where}`);
    }
    if (!(Number.isInteger(issue.column) && issue.column >= 1)) {
      throw new Error(`Issue at a bad column: ${where}`);
    }
    if (issue.rule === "" || issue.message === "") throw new Error(`Empty issue: ${where}`);
    if (issue.message.length > MAX_ISSUE || /\[object Object\]/.test(issue.message)) {
      throw new Error(
        `Unclear issue (${issue.message.length} chars) ${where}: ${issue.message.slice(0, 300)}`,
      );
    }
  }
}
