/**
 * Cycle finding for the graph rules: one cycle per strongly connected
 * component (Tarjan), shown as the shortest way round from its first node.
 * Listing every elementary cycle could be exponential; one per component is
 * enough to point at each tangle.
 *
 * @module
 */

/** A directed edge between named nodes; `index` is the connection it came from. */
export interface NamedEdge {
  readonly from: string;
  readonly to: string;
  readonly index: number;
}

/** A cycle: node names from a start back to it, and the edge that closes it. */
export interface Cycle {
  readonly names: readonly string[];
  readonly closing: NamedEdge;
}

/** One cycle per strongly connected component that has one, in node order. */
export function findCycles(nodes: readonly string[], edges: readonly NamedEdge[]): Cycle[] {
  const out = new Map<string, NamedEdge[]>();
  for (const edge of edges) out.set(edge.from, [...(out.get(edge.from) ?? []), edge]);
  const cycles: Cycle[] = [];
  for (const component of components(nodes, out)) {
    const start = nodes.find((n) => component.has(n));
    if (start === undefined) continue;
    const cycle = shortestCycle(start, component, out);
    if (cycle !== undefined) cycles.push(cycle);
  }
  return cycles;
}

/** Tarjan's strongly connected components, each as a set of names. */
function components(nodes: readonly string[], out: Map<string, NamedEdge[]>): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: Set<string>[] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const { to } of out.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(to) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = new Set<string>();
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.add(member);
      } while (member !== node);
      result.push(component);
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return result;
}

/** Breadth-first search from `start` back to itself inside one component. */
function shortestCycle(
  start: string,
  component: Set<string>,
  out: Map<string, NamedEdge[]>,
): Cycle | undefined {
  const via = new Map<string, NamedEdge>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] ?? start;
    for (const edge of out.get(node) ?? []) {
      if (!component.has(edge.to)) continue;
      if (edge.to === start) {
        const names: string[] = [];
        for (let at = node; at !== start;) {
          names.unshift(at);
          const step = via.get(at);
          if (step === undefined) break;
          at = step.from;
        }
        return { names: [start, ...names, start], closing: edge };
      }
      if (!via.has(edge.to) && edge.to !== start) {
        via.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
  }
  return undefined;
}
