/**
 * What is wrong with a graph file: one {@linkcode GraphIssue} per problem,
 * each with its place in the file, and the error that carries them all.
 *
 * @module
 */
import { formatYamlIssue, WeirError, type YamlIssue } from "../base/mod.ts";
export type { Finding } from "../base/mod.ts";

/** One problem found in a graph definition file. */
export type GraphIssue = YamlIssue;

/** Formats an issue as `file:line:col: path: message [rule]`. */
export const formatIssue: (issue: GraphIssue) => string = formatYamlIssue;

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
