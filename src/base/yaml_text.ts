/**
 * Parses configuration YAML with `yaml`'s document API, so every node keeps
 * its source range; turns syntax errors into findings; and maps findings'
 * paths back to lines and columns.
 *
 * @module
 */
import process from "node:process";
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import type { Finding, PathSegment, YamlPath } from "./yaml_path.ts";

/** A parsed document with what is needed to place findings in the text. */
export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** Syntax errors (bad indentation, duplicate keys, several documents, …) with their offsets. */
  readonly syntax: ReadonlyArray<{ readonly offset: number; readonly finding: Finding }>;
}

/**
 * Parses one YAML document; `what` names it in the multi-document error (e.g. "configuration").
 * Syntax errors do not throw; they come back in `syntax`, with the shapes no Weir file has
 * and that would make converting the document costly (see {@linkcode shapeFindings}).
 */
export function parseYaml(text: string, what: string): ParsedYaml {
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
        message: `found more than one YAML document, expected exactly one ${what}`,
      };
    } else {
      finding = { path, rule: "yaml-syntax", message: error.message.split("\n")[0] ?? "" };
    }
    return { offset, finding };
  });
  if (syntax.length === 0) syntax.push(...shapeFindings(doc));
  return { doc, lines, syntax };
}

/** The deepest nesting a Weir file may have; real ones stay under ten levels. */
export const MAX_YAML_DEPTH = 64;

/**
 * A mapping or list used as a key, and nesting deeper than {@linkcode MAX_YAML_DEPTH}. No Weir
 * file needs either, and both are costly to convert: `yaml` prints collection keys to turn them
 * into strings, which grows fourfold per level of keys within keys ("{{{{…}}}}" of a few kB
 * exhausts memory), and deep nesting overflows the stack of every recursive walk.
 */
function shapeFindings(
  doc: Document.Parsed,
): Array<{ readonly offset: number; readonly finding: Finding }> {
  const out: Array<{ offset: number; finding: Finding }> = [];
  // Iterative, so a deep document cannot overflow the stack here.
  const stack: Array<{ node: unknown; path: PathSegment[] }> = [{ node: doc.contents, path: [] }];
  while (stack.length > 0 && out.length < 20) {
    const { node, path } = stack.pop()!;
    if (path.length > MAX_YAML_DEPTH) {
      out.push({
        offset: rangeStart(node) ?? 0,
        finding: {
          path: path.slice(0, MAX_YAML_DEPTH),
          rule: "yaml-depth",
          message:
            `found nesting deeper than ${MAX_YAML_DEPTH} levels, expected at most ${MAX_YAML_DEPTH}`,
        },
      });
      continue;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isCollection(pair.key)) {
          out.push({
            offset: rangeStart(pair.key) ?? 0,
            finding: {
              path,
              rule: "yaml-key",
              message: `found ${
                isMap(pair.key) ? "a mapping" : "a list"
              } as a key, expected a name`,
            },
          });
        } else {
          stack.push({ node: pair.value, path: [...path, keyText(pair.key)] });
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/**
 * Runs a synchronous parse while `process.env` hides `LOG_TOKENS` and
 * `LOG_STREAM`: `yaml` reads both on every token to switch on debug printing,
 * and under Deno each read needs env permission. The swap lasts only for the
 * synchronous call; every other variable reads through.
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
    return parse();
  }
  try {
    return parse();
  } finally {
    process.env = env;
  }
}

/** 1-based line and column of an offset. */
export function lineColumn(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** The key of a pair as the string a path uses. */
export function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  // A collection used as a key is named, not printed: printing a key whose own keys are
  // collections grows fourfold per level, so a few hundred bytes of "{{{{" exhaust memory.
  if (isMap(key)) return "(a mapping)";
  if (isSeq(key)) return "(a sequence)";
  if (isAlias(key)) return `*${key.source}`;
  return String(key);
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== "object") return undefined;
  const range = (node as Node).range;
  return range === undefined || range === null ? undefined : range[0];
}

function contains(node: unknown, offset: number): boolean {
  if (node === null || typeof node !== "object") return false;
  const range = (node as Node).range;
  return range !== undefined && range !== null && range[0] <= offset && offset <= range[2];
}

/**
 * The offset a finding points at: the node at its path, or the nearest
 * existing ancestor when the path names something missing (a required
 * field). An empty value (`url:` with nothing after it) points at its key.
 */
export function offsetOf(doc: Document.Parsed, finding: Finding): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [depth, segment] of finding.path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (pair === undefined) return offset;
      keyOffset = rangeStart(pair.key);
      next = pair.value;
      if (finding.at === "key" && depth === finding.path.length - 1) return keyOffset ?? offset;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment];
    } else {
      return offset;
    }
    const start = rangeStart(next);
    const empty = isScalar(next) && next.range !== undefined && next.range !== null &&
      next.range[0] === next.range[1];
    offset = start === undefined || empty ? keyOffset ?? offset : start;
    node = next;
  }
  return offset;
}

/** The node at a path (aliases followed), or undefined when the path names nothing. */
export function nodeAt(doc: Document.Parsed, path: YamlPath): unknown {
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) node = node.items.find((p) => keyText(p.key) === String(segment))?.value;
    else if (isSeq(node) && typeof segment === "number") node = node.items[segment];
    else return undefined;
  }
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The path of the deepest node whose range holds the offset (for syntax errors). */
export function pathAtOffset(doc: Document.Parsed, offset: number): YamlPath {
  const path: PathSegment[] = [];
  let node: unknown = doc.contents;
  for (let depth = 0; depth < 64; depth++) {
    if (isMap(node)) {
      const pair = node.items.find((p) =>
        isPair(p) && (contains(p.key, offset) || contains(p.value, offset))
      );
      if (pair === undefined) break;
      path.push(keyText(pair.key));
      if (contains(pair.key, offset)) break;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item, offset));
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
    } else {
      break;
    }
  }
  return path;
}
