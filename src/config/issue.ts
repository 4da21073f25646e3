/**
 * What is wrong with a configuration file: one {@linkcode ConfigIssue} per
 * problem, each placed in the file, and the error that carries them all.
 *
 * @module
 */

/** One step of a YAML path: a mapping key or a list index. */
export type PathSegment = string | number;

/** A path from the document root; the empty path is the root itself. */
export type YamlPath = readonly PathSegment[];

/** One problem found in a configuration file. */
export interface ConfigIssue {
  /** The file path or label the text came from. */
  readonly file: string;
  /** 1-based line of the offending node (or of its nearest existing parent). */
  readonly line: number;
  /** 1-based column, in UTF-16 code units. */
  readonly column: number;
  /** The YAML path, such as `dataflows.temps.source.topics[0]`, or `(root)`. */
  readonly path: string;
  /** A short stable id of the broken rule, such as `unknown-endpoint`. */
  readonly rule: string;
  /** What was found and what was expected. */
  readonly message: string;
}

/** A problem before it has a place in the file. */
export interface Finding {
  readonly path: YamlPath;
  readonly rule: string;
  readonly message: string;
  /** Point at the mapping key rather than at its value (for unknown fields). */
  readonly at?: "key";
}

/** Formats an issue as `file:line:col: path: message [rule]`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.path}: ${issue.message} [${issue.rule}]`;
}

/** Stable codes of {@linkcode ConfigError}. */
export type ConfigErrorCode = "config_invalid" | "config_io";

/** Thrown when a configuration cannot be read or is invalid; carries every issue at once. */
export class ConfigError extends Error {
  /** `config_invalid` (see `issues`) or `config_io` (the file cannot be read). */
  readonly code: ConfigErrorCode;
  /** Every problem of the file, in file order (empty for `config_io`). */
  readonly issues: readonly ConfigIssue[];

  /** Makes the error; for `config_invalid` the message lists every issue, one per line. */
  constructor(
    code: ConfigErrorCode,
    message: string,
    issues: readonly ConfigIssue[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(
      [message, ...issues.map(formatConfigIssue)].join("\n"),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "ConfigError";
    this.code = code;
    this.issues = issues;
  }
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Formats a path the way issues show it: `a.b[2].c`, with keys that are not
 * plain identifiers quoted (`endpoints["a/b"]`), and `(root)` for the root.
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
