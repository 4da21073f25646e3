/**
 * A problem placed in a YAML file: the shape every checker (graph
 * definitions, gateway configuration) reports, how a {@linkcode Finding} is
 * placed at a line and column, and how issues print.
 *
 * @module
 */
import type { Finding } from "./yaml_path.ts";
import { formatPath } from "./yaml_path.ts";
import { lineColumn, type ParsedYaml } from "./yaml_text.ts";

/** One problem found in a YAML file. */
export interface YamlIssue {
  /** The file path or label the text came from. */
  readonly file: string;
  /** 1-based line of the offending node (or of its nearest existing parent). */
  readonly line: number;
  /** 1-based column, in UTF-16 code units. */
  readonly column: number;
  /** The YAML path, such as `connections[3].from.arm`, or `(root)`. */
  readonly path: string;
  /** A short stable id of the broken rule, such as `arm-required`. */
  readonly rule: string;
  /** What was found and what was expected. */
  readonly message: string;
}

/** Places a finding at the line and column of `offset` in `parsed`. */
export function placeFinding(
  source: string,
  parsed: ParsedYaml,
  offset: number,
  finding: Finding,
): YamlIssue {
  return {
    file: source,
    ...lineColumn(parsed.lines, offset),
    path: formatPath(finding.path),
    rule: finding.rule,
    message: finding.message,
  };
}

/** Sorts issues in file order (in place) and returns them. */
export function sortIssues<T extends YamlIssue>(issues: T[]): T[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Formats an issue as `file:line:col: path: message [rule]`. */
export function formatYamlIssue(issue: YamlIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.path}: ${issue.message} [${issue.rule}]`;
}
