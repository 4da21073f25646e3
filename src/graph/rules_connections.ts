/**
 * Graph rules about single connections and the edges around one operation:
 * known ends, branch arms, fan-in, and the direction of source and sink.
 *
 * @module
 */
import type { Draft, DraftConnection, DraftOperation } from "./draft.ts";
import type { Finding } from "./issue.ts";
import { operationsByName } from "./rules_operations.ts";
import { closest, quote } from "../base/mod.ts";

/** Operation kinds that may have more than one incoming connection. */
const FAN_IN_TYPES = new Set(["concatenate", "sink"]);

/** Connections that are not exact repeats (same from, arm and to) of an earlier one. */
export function distinctConnections(draft: Draft): DraftConnection[] {
  const seen = new Set<string>();
  return draft.connections.filter((c) => {
    if (c.from === undefined || c.to === undefined || c.arm === undefined) return true;
    const key = JSON.stringify([c.from, c.arm, c.to]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Rules `unknown-operation`, `duplicate-connection`, `arm-required`,
 * `arm-forbidden`, `duplicate-arm`, `fan-in`, `source-incoming`, `sink-outgoing`.
 * A branch need not use both arms: records on an unconnected arm are dropped.
 */
export function checkConnections(draft: Draft): Finding[] {
  const findings: Finding[] = [];
  const byName = operationsByName(draft);
  const names = [...byName.keys()];
  const distinct = new Set(distinctConnections(draft));
  const armsUsed = new Map<string, DraftConnection>();
  const incoming = new Map<DraftOperation, DraftConnection[]>();

  for (const c of draft.connections) {
    const path = ["connections", c.index];
    for (const end of ["from", "to"] as const) {
      const name = c[end];
      // A name may refer to an operation whose own name could not be read: then say nothing.
      if (name === undefined || byName.has(name) || !draft.namesComplete) continue;
      const guess = closest(name, names);
      findings.push({
        path: [...path, end, "name"],
        rule: "unknown-operation",
        message: `found ${quote(name)}, expected the name of an operation` +
          (guess === undefined ? "" : ` (did you mean ${quote(guess)}?)`),
      });
    }
    if (!distinct.has(c)) {
      findings.push({
        path,
        rule: "duplicate-connection",
        message: `found the connection ${quote(c.from ?? "")} → ${quote(c.to ?? "")}` +
          `${c.arm === null ? "" : ` (arm ${quote(c.arm ?? "")})`} again, expected each once`,
      });
      continue;
    }
    const from = c.from === undefined ? undefined : byName.get(c.from);
    const to = c.to === undefined ? undefined : byName.get(c.to);
    if (from?.type === "branch" && c.arm === null) {
      findings.push({
        path: [...path, "from", "arm"],
        rule: "arm-required",
        message: `found no arm on a connection leaving branch ${quote(from.name ?? "")}, ` +
          'expected arm "True" or "False"',
      });
    } else if (from?.type === "branch" && c.arm !== undefined && c.arm !== null) {
      const key = JSON.stringify([from.name, c.arm]);
      const earlier = armsUsed.get(key);
      if (earlier === undefined) armsUsed.set(key, c);
      else {
        findings.push({
          path: [...path, "from", "arm"],
          rule: "duplicate-arm",
          message: `found a second connection on arm ${quote(c.arm)} of branch ` +
            `${quote(from.name ?? "")} (the first is connections[${earlier.index}]), ` +
            "expected at most one per arm",
        });
      }
    } else if (from?.type !== undefined && from.type !== "branch" && typeof c.arm === "string") {
      findings.push({
        path: [...path, "from", "arm"],
        rule: "arm-forbidden",
        message: `found arm ${quote(c.arm)} on a connection leaving ${from.type} ` +
          `${quote(from.name ?? "")}, expected no arm: only branch outputs have arms`,
      });
    }
    if (from?.type === "sink") {
      findings.push({
        path: [...path, "from", "name"],
        rule: "sink-outgoing",
        message: `found a connection leaving sink ${quote(from.name ?? "")}, expected none: ` +
          "a sink is where records leave the graph",
      });
    }
    if (to?.type === "source") {
      findings.push({
        path: [...path, "to", "name"],
        rule: "source-incoming",
        message: `found a connection into source ${quote(to.name ?? "")}, expected none: ` +
          "a source is where records enter the graph",
      });
    }
    if (to !== undefined) incoming.set(to, [...(incoming.get(to) ?? []), c]);
  }

  for (const [op, edges] of incoming) {
    const second = edges[1];
    if (second === undefined || op.type === undefined || op.type === "source") continue;
    if (FAN_IN_TYPES.has(op.type)) continue;
    const froms = edges.map((e) => quote(e.from ?? "?")).join(", ");
    findings.push({
      path: ["connections", second.index, "to", "name"],
      rule: "fan-in",
      message: `found ${edges.length} connections into ${op.type} ${quote(op.name ?? "")} ` +
        `(from ${froms}), expected at most one: only concatenate and sink merge inputs`,
    });
  }
  return findings;
}
