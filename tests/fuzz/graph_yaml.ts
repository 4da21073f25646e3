/**
 * Fuzz target: graph definition YAML, as `weir graph validate`, a deploy and
 * the gateway's start read it. Inputs are the sample graphs in graphs/ with
 * their value mutated or their text damaged, YAML hostile by construction,
 * and arbitrary text. `checkGraph()` must answer a graph or issues (never
 * both, never neither) placed in the text; `parseGraph()` must agree, its
 * refusal a `graph_invalid` WeirError; a valid graph must have a
 * topological order.
 *
 * @module
 */
import fc from "fast-check";
import { join } from "node:path";
import {
  checkGraph,
  GraphValidationError,
  parseGraph,
  topologicalOrder,
} from "../../src/graph/mod.ts";
import { ROOT } from "../_samples.ts";
import {
  checkIssues,
  mutateText,
  mutateValue,
  NASTY_YAML,
  type TextMutation,
  textMutationArb,
  type ValueMutation,
  valueMutationArb,
  yamlOf,
} from "./_yaml_parts.ts";
import type { FuzzTarget } from "./_target.ts";
import { parse } from "yaml";

/** One input: the text to check. */
export interface GraphYamlCase {
  readonly text: string;
}

const SAMPLES = [...Deno.readDirSync(join(ROOT, "graphs"))]
  .filter((e) => e.name.endsWith(".yaml"))
  .map((e) => Deno.readTextFileSync(join(ROOT, "graphs", e.name)))
  .sort();

const sampleArb = fc.nat({ max: SAMPLES.length - 1 }).map((i) => SAMPLES[i]!);

const mutatedValueArb = fc.tuple(
  sampleArb,
  fc.array(valueMutationArb, { minLength: 1, maxLength: 4 }),
)
  .map(([text, mutations]: [string, ValueMutation[]]) =>
    yamlOf(mutateValue(parse(text), mutations))
  );

const damagedTextArb = fc.tuple(
  sampleArb,
  fc.array(textMutationArb, { minLength: 1, maxLength: 4 }),
)
  .map(([text, mutations]: [string, TextMutation[]]) => mutateText(text, mutations));

const arbitrary: fc.Arbitrary<GraphYamlCase> = fc.oneof(
  { weight: 5, arbitrary: mutatedValueArb },
  { weight: 4, arbitrary: damagedTextArb },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_YAML) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
).map((text) => ({ text }));

const FILE = "fuzz-graph.yaml";

/** The target. */
export const graphYamlTarget: FuzzTarget<GraphYamlCase> = {
  name: "graph-yaml",
  description: "graph definitions: checkGraph() and parseGraph() on mutated samples and any text",
  arbitrary,
  property({ text }: GraphYamlCase): void {
    const check = checkGraph(text, FILE);
    if ((check.graph === undefined) === (check.issues.length === 0)) {
      throw new Error(
        `checkGraph() gave ${check.issues.length} issues and graph: ${!!check.graph}`,
      );
    }
    checkIssues(check.issues, FILE, text);
    let parsed;
    try {
      parsed = parseGraph(text, FILE);
    } catch (error) {
      // Its message lists every issue, each checked above; a long file may have many.
      if (!(error instanceof GraphValidationError) || error.code !== "graph_invalid") throw error;
      if (check.graph !== undefined) throw new Error("parseGraph() refused what checkGraph() took");
      if (error.issues.length !== check.issues.length) {
        throw new Error("parseGraph() and checkGraph() found different issues");
      }
      return;
    }
    if (check.graph === undefined) throw new Error("parseGraph() took what checkGraph() refused");
    const order = topologicalOrder(parsed);
    if (order.length !== parsed.operations.length) {
      throw new Error(`Topological order has ${order.length} of ${parsed.operations.length}`);
    }
  },
};
