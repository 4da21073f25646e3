/**
 * Graph rules about the operations themselves: unique names, which kinds
 * need a module, and the single source and the sinks.
 *
 * @module
 */
import type { Draft, DraftOperation } from "./draft.ts";
import type { Finding } from "./issue.ts";
import type { OperationType } from "./types.ts";
import { quote } from "../base/mod.ts";

/** Operation kinds that run a WebAssembly module (docs/aio-compatibility.md). */
export const MODULE_TYPES: ReadonlySet<OperationType> = new Set([
  "map",
  "filter",
  "branch",
  "accumulate",
  "delay",
]);

/** The first operation of each name; later duplicates are reported, never used. */
export function operationsByName(draft: Draft): Map<string, DraftOperation> {
  const byName = new Map<string, DraftOperation>();
  for (const op of draft.operations) {
    if (op.name !== undefined && !byName.has(op.name)) byName.set(op.name, op);
  }
  return byName;
}

/** Rules `duplicate-operation`, `module-required`, `module-forbidden`, `source-count`, `sink-count`. */
export function checkOperations(draft: Draft): Finding[] {
  const findings: Finding[] = [];
  const first = operationsByName(draft);
  for (const op of draft.operations) {
    const path = ["operations", op.index];
    const earlier = op.name === undefined ? undefined : first.get(op.name);
    if (op.name !== undefined && earlier !== undefined && earlier !== op) {
      findings.push({
        path: [...path, "name"],
        rule: "duplicate-operation",
        message: `found the operation name ${quote(op.name)} again (first used by ` +
          `operations[${earlier.index}]), expected unique operation names`,
      });
    }
    if (op.type === undefined || op.module === undefined) continue;
    if (MODULE_TYPES.has(op.type) && op.module === null) {
      findings.push({
        path: [...path, "module"],
        rule: "module-required",
        message: `found no module on a ${op.type} operation, expected a module reference ` +
          `"[repo/path/]name[:tag]"`,
      });
    } else if (!MODULE_TYPES.has(op.type) && op.module !== null) {
      findings.push({
        path: [...path, "module"],
        rule: "module-forbidden",
        message: `found module ${quote(op.module)} on a ${op.type} operation, expected no ` +
          "module (empty or null): source, sink and concatenate are built in",
      });
    }
  }

  // Count only what is known; "none" is only claimed when every type is known,
  // so a misspelled `operationType: sorce` reports the enum, not a missing source too.
  const sources = draft.operations.filter((op) => op.type === "source");
  for (const extra of sources.slice(1)) {
    findings.push({
      path: ["operations", extra.index, "operationType"],
      rule: "source-count",
      message: `found a second source operation (the first is operations[${sources[0]?.index}]), ` +
        "expected exactly one source",
    });
  }
  if (sources.length === 0 && draft.operationsComplete) {
    findings.push({
      path: ["operations"],
      rule: "source-count",
      message: "found no source operation, expected exactly one",
    });
  }
  if (draft.operationsComplete && !draft.operations.some((op) => op.type === "sink")) {
    findings.push({
      path: ["operations"],
      rule: "sink-count",
      message: "found no sink operation, expected at least one",
    });
  }
  return findings;
}
