/**
 * The schema engine's findings said the way the API speaks of a request:
 * `Field "ref" is number 42; expected …`, `Unknown field "tag"; expected only …`,
 * `Query "limit" is "zero"; expected …`. Every finding of a request, joined.
 *
 * @module
 */
import { describe, formatPath, quote, type SchemaFinding } from "../base/mod.ts";

/** Which part of the request the findings are about. */
export type RequestPart = "body" | "query" | "parameter";

const JSON_WORDS: Readonly<Record<string, string>> = {
  "a mapping": "an object",
  "a list": "an array",
};

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What a request value reads as: JSON's words for bodies, the text itself for queries. */
function found(value: unknown, part: RequestPart): string {
  if (part !== "body") return quote(String(value));
  const words = describe(value);
  return JSON_WORDS[words] ?? words;
}

/** The thing a finding is about: the body, a query value, a field or an entry of a map field. */
function subject(path: readonly (string | number)[], part: RequestPart): string {
  if (part === "query") return `Query "${formatPath(path)}"`;
  if (part === "parameter") return `Parameter "${formatPath(path)}"`;
  if (path.length === 0) return "Request body";
  const [field, key] = path;
  if (path.length === 2 && typeof key === "string") {
    return `${capitalized(String(field))} value of "${key}"`;
  }
  return `Field "${formatPath(path)}"`;
}

/** One finding as a sentence about the request. */
export function requestSentence(f: SchemaFinding, part: RequestPart): string {
  const quoted = (keys: readonly string[]) => keys.map((k) => `"${k}"`).join(", ");
  const parent = f.path.slice(0, -1);
  const key = String(f.path[f.path.length - 1]);
  switch (f.rule) {
    case "required":
    case "one-of":
      if (f.keys !== undefined) return `Give ${f.title ?? `exactly one of ${quoted(f.keys)}`}`;
      return `${subject(f.path, part)} is missing`;
    case "unknown-field":
      return `Unknown ${part === "body" ? "field" : part} "${formatPath(f.path)}"; expected only ${
        quoted(f.keys ?? [])
      }`;
    case "key-pattern":
      return `${capitalized(formatPath(parent))} key "${key}" is not valid; expected ${
        f.title ?? f.expected
      }`;
    case "dependency":
      return `${subject([f.keys![0]!], part)} needs "${f.keys![1]}"`;
    case "forbidden":
      return `${subject(f.path, part)}: ${f.message}`;
    default:
      if (f.path.length === 0 && f.rule === "type") {
        return `Request body is ${found(f.value, part)}; expected a JSON object`;
      }
      return `${subject(f.path, part)} is ${found(f.value, part)}; expected ${
        f.title ?? f.expected
      }`;
  }
}

/** Every finding of a request, as one message. */
export function requestMessage(findings: readonly SchemaFinding[], part: RequestPart): string {
  return findings.map((f) => requestSentence(f, part)).join("; ");
}
