/**
 * Where things are in the YAML text: the offset a finding's path points at,
 * the path at an offset, and 1-based line and column.
 *
 * @module
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
} from "yaml";
import type { Finding } from "./issue.ts";
import type { PathSegment, YamlPath } from "./yaml_path.ts";

/** 1-based line and column of an offset. */
export function lineColumn(lines: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/**
 * The offset a finding points at: the node at its path, or the nearest
 * existing ancestor when the path names something missing (a required field).
 * An empty value (`module:` with nothing after it) points at its key.
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
      if (finding.at === "key" && depth === finding.path.length - 1) {
        return keyOffset ?? offset;
      }
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

/** The key of a pair as the string a path uses. */
export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
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
