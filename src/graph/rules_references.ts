/**
 * Graph rules about names that point elsewhere in the file: module
 * configurations name operations, and connections name schemas.
 *
 * @module
 */
import type { Draft, DraftNamed } from "./draft.ts";
import type { Finding } from "./issue.ts";
import { operationsByName } from "./rules_operations.ts";
import { closest, quote } from "../base/mod.ts";

/**
 * Rules `unknown-configuration`, `duplicate-configuration`, `unknown-schema`
 * and `duplicate-schema`. A configuration for a source, sink or concatenate
 * is accepted (nothing receives it, but it harms nothing), and so is a
 * feature name other than `wasi-nn`: the runtime decides what it supports.
 */
export function checkReferences(draft: Draft): Finding[] {
  const findings: Finding[] = [];
  const operations = [...operationsByName(draft).keys()];
  const configurations = firstByName(draft.configurations);
  for (const config of draft.configurations) {
    if (config.name === undefined) continue;
    const path = ["moduleConfigurations", config.index, "name"];
    const earlier = configurations.get(config.name);
    if (earlier !== undefined && earlier !== config) {
      findings.push({
        path,
        rule: "duplicate-configuration",
        message: `found a second configuration for ${quote(config.name)} (the first is ` +
          `moduleConfigurations[${earlier.index}]), expected one per operation`,
      });
    } else if (!operations.includes(config.name) && draft.namesComplete) {
      findings.push({
        path,
        rule: "unknown-configuration",
        message: `found configuration for ${quote(config.name)}, expected the name of an ` +
          `operation${hint(config.name, operations)}`,
      });
    }
  }

  if (draft.schemas === undefined) return findings;
  const schemas = firstByName(draft.schemas);
  for (const schema of draft.schemas) {
    const earlier = schema.name === undefined ? undefined : schemas.get(schema.name);
    if (schema.name !== undefined && earlier !== undefined && earlier !== schema) {
      findings.push({
        path: ["schemas", schema.index, "name"],
        rule: "duplicate-schema",
        message: `found the schema name ${quote(schema.name)} again (first used by ` +
          `schemas[${earlier.index}]), expected unique schema names`,
      });
    }
  }
  if (draft.schemas.some((s) => s.name === undefined)) return findings;
  const known = [...schemas.keys()];
  for (const c of draft.connections) {
    if (typeof c.schemaName !== "string" || schemas.has(c.schemaName)) continue;
    findings.push({
      path: ["connections", c.index, "from", "schemaName"],
      rule: "unknown-schema",
      message: `found schema name ${quote(c.schemaName)}, expected the name of an entry of ` +
        `"schemas"${known.length === 0 ? " (the graph declares none)" : hint(c.schemaName, known)}`,
    });
  }
  return findings;
}

function firstByName(entries: readonly DraftNamed[]): Map<string, DraftNamed> {
  const first = new Map<string, DraftNamed>();
  for (const entry of entries) {
    if (entry.name !== undefined && !first.has(entry.name)) first.set(entry.name, entry);
  }
  return first;
}

function hint(name: string, candidates: readonly string[]): string {
  const guess = closest(name, candidates);
  return guess === undefined ? "" : ` (did you mean ${quote(guess)}?)`;
}
