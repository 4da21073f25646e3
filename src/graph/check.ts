/**
 * Checks graph definition text: YAML syntax, then structure against the
 * JSON Schema, then the graph rules, and reports every issue of the file in
 * one go, each placed at a line and column.
 *
 * @module
 */
import { buildGraph } from "./build.ts";
import { readDraft } from "./draft.ts";
import { type Finding, type GraphIssue, GraphValidationError } from "./issue.ts";
import { checkConnections } from "./rules_connections.ts";
import { checkOperations } from "./rules_operations.ts";
import { checkReferences } from "./rules_references.ts";
import { checkTopology } from "./rules_topology.ts";
import { GRAPH_VALIDATOR } from "./schema.ts";
import type { GraphDefinition } from "./types.ts";
import { checkYamlValue, offsetOf, parseYaml, placeFinding, sortIssues } from "../base/mod.ts";

/** The outcome of checking a graph: the model when valid, else every issue. */
export interface GraphCheck {
  /** Present only when there are no issues. */
  readonly graph?: GraphDefinition;
  /** Every problem of the file, in file order; empty when valid. */
  readonly issues: readonly GraphIssue[];
}

/**
 * Checks graph definition YAML and returns the model or every issue.
 * Syntax errors stop the check there (the tree after them is unreliable);
 * otherwise structural and graph issues are reported together.
 *
 * @param text The YAML text.
 * @param source Where it came from (a path or a label); used in issues.
 */
export function checkGraph(text: string, source: string): GraphCheck {
  const parsed = parseYaml(text, "graph definition");
  const place = (offset: number, finding: Finding): GraphIssue =>
    placeFinding(source, parsed, offset, finding);
  if (parsed.syntax.length > 0) {
    return { issues: sortIssues(parsed.syntax.map((s) => place(s.offset, s.finding))) };
  }
  if (parsed.doc.contents === null) {
    const message = "found an empty document, expected a mapping with moduleRequirements, " +
      "operations and connections";
    return { issues: [place(0, { path: [], rule: "type", message })] };
  }
  let value: unknown;
  try {
    value = parsed.doc.toJS();
  } catch (error) {
    // Too many aliases ("billion laughs") and the like: say so instead of expanding them.
    const message = error instanceof Error ? error.message : String(error);
    return { issues: [place(0, { path: [], rule: "yaml-syntax", message })] };
  }
  const structural = checkYamlValue(GRAPH_VALIDATOR, parsed, value);
  const draft = readDraft(value, structural);
  const findings = [
    ...structural,
    ...checkOperations(draft),
    ...checkConnections(draft),
    ...checkReferences(draft),
    ...checkTopology(draft),
  ];
  if (findings.length > 0) {
    return { issues: sortIssues(findings.map((f) => place(offsetOf(parsed.doc, f), f))) };
  }
  return { graph: buildGraph(value, source), issues: [] };
}

/**
 * Parses and validates graph definition YAML.
 *
 * @param text The YAML text.
 * @param source Where it came from (a path or a label); used in issues.
 * @throws {GraphValidationError} with every issue when the graph is invalid.
 */
export function parseGraph(text: string, source: string): GraphDefinition {
  const { graph, issues } = checkGraph(text, source);
  if (graph === undefined) throw new GraphValidationError(source, issues);
  return graph;
}
