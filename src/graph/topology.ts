/**
 * Questions the engine asks of a loaded graph: what comes before what, and
 * which connections enter and leave an operation. Answers keep the order
 * of the file.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import type { Connection, GraphDefinition, Operation } from "./types.ts";

interface Index {
  readonly byName: ReadonlyMap<string, Operation>;
  readonly outgoing: ReadonlyMap<string, readonly Connection[]>;
  readonly incoming: ReadonlyMap<string, readonly Connection[]>;
}

const INDEXES = new WeakMap<GraphDefinition, Index>();
const NONE: readonly Connection[] = [];

function indexOf(graph: GraphDefinition): Index {
  let index = INDEXES.get(graph);
  if (index === undefined) {
    const outgoing = new Map<string, Connection[]>();
    const incoming = new Map<string, Connection[]>();
    for (const c of graph.connections) {
      outgoing.set(c.from, [...(outgoing.get(c.from) ?? []), c]);
      incoming.set(c.to, [...(incoming.get(c.to) ?? []), c]);
    }
    const byName = new Map(graph.operations.map((op) => [op.name, op]));
    index = { byName, outgoing, incoming };
    INDEXES.set(graph, index);
  }
  return index;
}

/** The operation with this name, if the graph has one. */
export function findOperation(graph: GraphDefinition, name: string): Operation | undefined {
  return indexOf(graph).byName.get(name);
}

/** The connections that leave the named operation, in file order. */
export function outgoing(graph: GraphDefinition, name: string): readonly Connection[] {
  return indexOf(graph).outgoing.get(name) ?? NONE;
}

/** The connections that enter the named operation, in file order. */
export function incoming(graph: GraphDefinition, name: string): readonly Connection[] {
  return indexOf(graph).incoming.get(name) ?? NONE;
}

/**
 * The operations so that every connection goes from an earlier to a later
 * one; among those ready at the same time, file order wins, so the result is
 * deterministic. A validated graph always has one.
 *
 * @throws {WeirError} code `graph_invalid` when the graph has a cycle (only
 * possible for a hand-built graph).
 */
export function topologicalOrder(graph: GraphDefinition): readonly Operation[] {
  const position = new Map(graph.operations.map((op, i) => [op.name, i]));
  const waiting = new Map(graph.operations.map((op) => [op.name, incoming(graph, op.name).length]));
  const ready = graph.operations.filter((op) => waiting.get(op.name) === 0);
  const order: Operation[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (position.get(a.name) ?? 0) - (position.get(b.name) ?? 0));
    const op = ready.shift();
    if (op === undefined) break;
    order.push(op);
    for (const c of outgoing(graph, op.name)) {
      const left = (waiting.get(c.to) ?? 0) - 1;
      waiting.set(c.to, left);
      const next = findOperation(graph, c.to);
      if (left === 0 && next !== undefined) ready.push(next);
    }
  }
  if (order.length !== graph.operations.length) {
    const stuck = graph.operations.filter((op) => !order.includes(op)).map((op) => op.name);
    throw new WeirError(
      "graph_invalid",
      `Graph "${graph.source}" has a cycle through ${stuck.map((n) => `"${n}"`).join(", ")}`,
    );
  }
  return order;
}
