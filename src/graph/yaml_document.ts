/**
 * Parses graph YAML with `yaml`'s document API, so every node keeps its
 * source range, and turns syntax errors into findings.
 *
 * @module
 */
import process from "node:process";
import { type Document, LineCounter, parseDocument } from "yaml";
import type { Finding } from "./issue.ts";
import { pathAtOffset } from "./yaml_position.ts";

/** A parsed document with what is needed to place findings in the text. */
export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** Syntax errors (bad indentation, duplicate keys, several documents, …) with their offsets. */
  readonly syntax: ReadonlyArray<{ readonly offset: number; readonly finding: Finding }>;
}

/**
 * Parses YAML text. Syntax errors do not throw; they come back in `syntax`.
 */
export function parseYaml(text: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = withoutYamlDebugEnv(() =>
    parseDocument(text, { lineCounter: lines, prettyErrors: false })
  );
  const syntax = doc.errors.map((error) => {
    const offset = error.pos[0];
    const path = pathAtOffset(doc, offset);
    let finding: Finding;
    if (error.code === "DUPLICATE_KEY") {
      const key = path[path.length - 1];
      finding = {
        path,
        rule: "duplicate-key",
        message: `found the key ${JSON.stringify(String(key))} a second time in this mapping, ` +
          "expected each key once",
      };
    } else if (error.code === "MULTIPLE_DOCS") {
      finding = {
        path: [],
        rule: "yaml-syntax",
        message: "found more than one YAML document, expected exactly one graph definition",
      };
    } else {
      finding = { path, rule: "yaml-syntax", message: error.message.split("\n")[0] ?? "" };
    }
    return { offset, finding };
  });
  return { doc, lines, syntax };
}

/**
 * Runs a synchronous parse while `process.env` hides `LOG_TOKENS` and
 * `LOG_STREAM`. The `yaml` package reads both on every token to switch on
 * debug printing; under Deno each read needs env permission, so without this
 * `weir graph validate` would need `--allow-env`, and with the variables set
 * a library would print to stdout. The swap lasts only for the synchronous
 * call, so no other code can observe it; every other variable reads through.
 */
function withoutYamlDebugEnv<T>(parse: () => T): T {
  const env = process.env;
  const quiet = new Proxy({}, {
    get: (_, key) =>
      key === "LOG_TOKENS" || key === "LOG_STREAM" ? undefined : Reflect.get(env, key),
  });
  try {
    process.env = quiet as typeof env;
  } catch {
    return parse(); // a runtime whose process.env cannot be replaced: parse as is
  }
  try {
    return parse();
  } finally {
    process.env = env;
  }
}
