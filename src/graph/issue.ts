/**
 * What is wrong with a graph file: one {@linkcode GraphIssue} per problem,
 * each with its place in the file, and the error that carries them all.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
export type { Finding } from "../base/mod.ts";

/** One problem found in a graph definition file. */
export interface GraphIssue {
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

/** Formats an issue as `file:line:col: path: message [rule]`. */
export function formatIssue(issue: GraphIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.path}: ${issue.message} [${issue.rule}]`;
}

/** Thrown when a graph definition is invalid; carries every issue of the file. */
export class GraphValidationError extends WeirError {
  /** Every problem of the file, in file order. */
  readonly issues: readonly GraphIssue[];

  /** Makes the error for the graph from `source` with its issues. */
  constructor(source: string, issues: readonly GraphIssue[]) {
    const count = issues.length === 1 ? "1 issue" : `${issues.length} issues`;
    super(
      "graph_invalid",
      [
        `Graph "${source}" is invalid (${count})`,
        ...issues.map(formatIssue),
      ].join("\n"),
    );
    this.name = "GraphValidationError";
    this.issues = issues;
  }
}
