/**
 * Builds the `init` configuration of each operation (docs/aio-compatibility.md, "Graph files"): the
 * module's declared parameters with their defaults, then the graph node's
 * flat key/values. A value given under either the parameter's map key or
 * its `name` applies, and reaches the module under both strings when they
 * differ, because AIO's own samples disagree on which one modules read.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import type { GraphDefinition } from "../graph/mod.ts";

/** Configuration properties per operation name. */
export type OperationConfigurations = Map<string, Array<[string, string]>>;

/** Resolves every operation's properties; a required parameter without a value is an error. */
export function resolveConfigurations(
  graph: GraphDefinition,
  values: ReadonlyMap<string, string>,
): OperationConfigurations {
  const out: OperationConfigurations = new Map();
  const missing: string[] = [];
  for (const config of graph.moduleConfigurations) {
    const props: Array<[string, string]> = [];
    for (const p of config.parameters) {
      const value = values.get(p.key) ?? values.get(p.name) ?? p.default ?? undefined;
      if (value === undefined) {
        if (p.required) missing.push(`operation "${config.name}" parameter "${p.key}"`);
        continue;
      }
      props.push([p.key, value]);
      if (p.name !== p.key) props.push([p.name, value]);
    }
    out.set(config.name, props);
  }
  if (missing.length > 0) {
    throw new WeirError(
      "module_init_failed",
      `Required configuration has no value: ${
        missing.join("; ")
      } (set it with a graph configuration key)`,
    );
  }
  return out;
}
