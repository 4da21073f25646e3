/**
 * Keeps error messages consistent across every check of a file or a request:
 * how found values read and how lists of alternatives are joined.
 *
 * @module
 */

/** The JSON types a schema names. */
export type JsonType = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";

/** The JSON type of a plain value (`other` for what JSON has no type for, such as dates). */
export function kindOf(value: unknown): JsonType | "other" {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  // Past 2^53 a number is not counted exactly: it is no whole number a setting may take.
  if (typeof value === "number") return Number.isSafeInteger(value) ? "integer" : "number";
  const prototype = typeof value === "object" ? Object.getPrototypeOf(value) : undefined;
  return prototype === Object.prototype || prototype === null ? "object" : "other";
}

/** How a found value reads in a message: `string "x"`, `number 5`, `a mapping`, … */
export function describe(value: unknown): string {
  const kind = kindOf(value);
  if (kind === "object") return "a mapping";
  if (kind === "array") return "a list";
  if (kind === "null") return "null";
  if (kind === "string") return `string ${quote(String(value))}`;
  if (kind === "integer" || kind === "number") return `number ${String(value)}`;
  if (kind === "boolean") return `boolean ${String(value)}`;
  return `a value of type ${typeof value}`;
}

/** How an expected JSON type reads in a message. */
export function typeName(type: JsonType): string {
  const names: Record<JsonType, string> = {
    object: "a mapping",
    array: "a list",
    string: "a string",
    number: "a number",
    integer: "a whole number",
    boolean: "a boolean",
    null: "null",
  };
  return names[type];
}

/** A value in double quotes, shortened past 60 characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + "..." : text);
}

/** Joins alternatives: `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** The candidate within edit distance 2 of `word` (case-insensitive), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}
