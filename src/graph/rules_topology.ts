/**
 * Graph rules about the shape as a whole: no cycles, everything reachable
 * from the source, and no operation whose output goes nowhere.
 *
 * @module
 */
import { findCycles, type NamedEdge } from "./cycles.ts";
import type { Draft } from "./draft.ts";
import type { Finding } from "./issue.ts";
import { distinctConnections } from "./rules_connections.ts";
import { operationsByName } from "./rules_operations.ts";
import { quote } from "../base/mod.ts";

/**
 * Rules `cycle`, `unreachable` and `dead-end`.
 *
 * Cycles are searched among the connections whose both ends are known
 * operations, so a cycle is reported even when other parts are broken.
 * Reachability needs the whole picture: it runs only when every operation
 * and connection could be read, every name resolves and there is exactly one
 * source; otherwise a typo in one connection would also make everything
 * behind it "unreachable". `dead-end` (a non-sink operation without any
 * outgoing connection, whose records would be dropped) is reported only for
 * reachable operations, so an orphan gets one issue, not two, and only when
 * the graph has a sink at all. Together with
 * acyclicity it means every operation leads to a sink.
 */
export function checkTopology(draft: Draft): Finding[] {
  const findings: Finding[] = [];
  const byName = operationsByName(draft);
  const names = [...byName.keys()];
  const distinct = distinctConnections(draft);
  const edges: NamedEdge[] = [];
  for (const c of distinct) {
    if (c.from !== undefined && c.to !== undefined && byName.has(c.from) && byName.has(c.to)) {
      edges.push({ from: c.from, to: c.to, index: c.index });
    }
  }

  for (const cycle of findCycles(names, edges)) {
    findings.push({
      path: ["connections", cycle.closing.index],
      rule: "cycle",
      message: `found a cycle ${cycle.names.map(quote).join(" → ")}, expected an acyclic graph`,
    });
  }

  const sources = draft.operations.filter((op) => op.type === "source");
  const source = sources[0];
  const complete = draft.operationsComplete && draft.connectionsComplete &&
    edges.length === distinct.length;
  if (!complete || sources.length !== 1 || source?.name === undefined) return findings;

  // Without any sink every path dead-ends; `sink-count` already says what is wrong.
  const hasSink = draft.operations.some((op) => op.type === "sink");
  const reached = new Set([source.name]);
  const queue = [source.name];
  for (let i = 0; i < queue.length; i++) {
    for (const edge of edges) {
      if (edge.from === queue[i] && !reached.has(edge.to)) {
        reached.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  for (const [name, op] of byName) {
    const path = ["operations", op.index, "name"];
    if (!reached.has(name)) {
      findings.push({
        path,
        rule: "unreachable",
        message: `found ${op.type} ${quote(name)} with no path from source ` +
          `${quote(source.name)}, expected every operation to be reachable from the source`,
      });
    } else if (hasSink && op.type !== "sink" && !edges.some((edge) => edge.from === name)) {
      findings.push({
        path,
        rule: "dead-end",
        message: `found ${op.type} ${quote(name)} with no outgoing connection, expected its ` +
          "output to lead on (to a sink in the end)",
      });
    }
  }
  return findings;
}
