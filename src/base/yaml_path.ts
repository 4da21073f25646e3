/**
 * Paths into a YAML document, such as `connections[3].from.arm`: how issues
 * say where they are, independent of line numbers.
 *
 * @module
 */

/** One step of a path: a mapping key or a list index. */
export type PathSegment = string | number;

/** A path from the document root; the empty path is the root itself. */
export type YamlPath = readonly PathSegment[];

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a path the way issues show it: `a.b[2].c`, with keys that are not
 * plain identifiers quoted (`parameters["a/b"]`), and `(root)` for the root.
 */
export function formatPath(path: YamlPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text === "" ? "(root)" : text;
}

/** True when `prefix` is `path` itself or one of its ancestors. */
export function startsWith(path: YamlPath, prefix: YamlPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}

/** A problem found at a YAML path, before it is placed at a line and column. */
export interface Finding {
  readonly path: YamlPath;
  /** A short stable id of the broken rule. */
  readonly rule: string;
  /** What was found and what was expected. */
  readonly message: string;
  /** Point at the mapping key rather than at its value (for unknown fields). */
  readonly at?: "key";
}
