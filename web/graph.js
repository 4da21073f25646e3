// Draws a dataflow graph as SVG: a layered layout (each operation one row
// below its deepest input, rows ordered to cut crossings), flowing top to
// bottom so that a chain fits a phone's width. The layout is a pure function
// so it can be tested without a browser.

/** Sizes of the drawing, in SVG units: nodes are at least NODE_WIDTH wide, wider for long names. */
export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 48;
/** The widest a node grows to show its whole name. */
const MAX_NODE_WIDTH = 320;
/** Width of one character of a name (13 px text) and of the kind line (11 px), on average. */
const NAME_CHAR = 7.6;
const KIND_CHAR = 6.4;
const GAP_X = 28;
const GAP_Y = 44;
const PAD = 12;

/**
 * Rows (layers) by longest path from the sources. Operations on a cycle, which a valid graph has
 * none of, go one row below everything else instead of looping forever.
 * @param {readonly string[]} names
 * @param {readonly {from: string, to: string}[]} edges
 * @returns {Map<string, number>}
 */
function layers(names, edges) {
  const indegree = new Map(names.map((n) => [n, 0]));
  const next = new Map(names.map((n) => [n, /** @type {string[]} */ ([])]));
  for (const e of edges) {
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    next.get(e.from)?.push(e.to);
  }
  const layer = new Map(names.map((n) => [n, 0]));
  const queue = names.filter((n) => indegree.get(n) === 0);
  const placed = new Set();
  while (queue.length > 0) {
    const n = /** @type {string} */ (queue.shift());
    placed.add(n);
    for (const m of next.get(n) ?? []) {
      layer.set(m, Math.max(layer.get(m) ?? 0, (layer.get(n) ?? 0) + 1));
      const left = (indegree.get(m) ?? 0) - 1;
      indegree.set(m, left);
      if (left === 0) queue.push(m);
    }
  }
  const deepest = Math.max(0, ...layer.values());
  for (const n of names) if (!placed.has(n)) layer.set(n, deepest + 1);
  return layer;
}

/** @param {string} text @param {number} max */
function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One width for every node of a graph: enough for the longest name (and most of the kind
 * line), between NODE_WIDTH and MAX_NODE_WIDTH. The drawing scales to the screen, so a wider
 * node costs nothing on a phone but a smaller font.
 * @param {readonly {name: string, type: string, module?: string}[]} operations
 */
export function nodeWidthFor(operations) {
  let need = NODE_WIDTH;
  for (const op of operations) {
    const kind = op.module ? `${op.type} · ${op.module}` : op.type;
    need = Math.max(need, op.name.length * NAME_CHAR + 20, kind.length * KIND_CHAR + 60);
  }
  return Math.min(MAX_NODE_WIDTH, Math.ceil(need));
}

/**
 * Lays out a graph drawing (`{operations, connections}` as the admin API sends it).
 * @param {{operations: readonly {name: string, type: string, module?: string}[],
 *   connections: readonly {from: string, to: string, arm?: string}[]}} graph
 */
export function layoutGraph(graph) {
  const names = graph.operations.map((o) => o.name);
  const known = new Set(names);
  const edges = graph.connections.filter((c) => known.has(c.from) && known.has(c.to));
  const layer = layers(names, edges);
  const rowCount = Math.max(0, ...layer.values()) + 1;
  /** @type {string[][]} */
  const rows = Array.from({ length: rowCount }, () => []);
  for (const n of names) rows[/** @type {number} */ (layer.get(n))].push(n);
  // One downward pass of barycentres: each row follows the mean position of its inputs.
  const position = new Map();
  rows[0]?.forEach((n, i) => position.set(n, i));
  for (let r = 1; r < rows.length; r++) {
    const weight = (n) => {
      const inputs = edges.filter((e) => e.to === n && position.has(e.from));
      if (inputs.length === 0) return Number.MAX_SAFE_INTEGER;
      return inputs.reduce((sum, e) => sum + position.get(e.from), 0) / inputs.length;
    };
    rows[r] = rows[r].map((n, i) => ({ n, i, w: weight(n) }))
      .sort((a, b) => a.w - b.w || a.i - b.i).map((x) => x.n);
    rows[r].forEach((n, i) => position.set(n, i));
  }
  const widest = Math.max(1, ...rows.map((row) => row.length));
  const nodeWidth = nodeWidthFor(graph.operations);
  const width = PAD * 2 + widest * nodeWidth + (widest - 1) * GAP_X;
  const height = PAD * 2 + rowCount * NODE_HEIGHT + (rowCount - 1) * GAP_Y;
  const byName = new Map(graph.operations.map((o) => [o.name, o]));
  const nodes = rows.flatMap((row, r) => {
    const rowWidth = row.length * nodeWidth + (row.length - 1) * GAP_X;
    const left = (width - rowWidth) / 2;
    return row.map((name, i) => {
      const op = /** @type {{name: string, type: string, module?: string}} */ (byName.get(name));
      const kind = op.module ? `${op.type} · ${op.module}` : op.type;
      return {
        name,
        type: op.type,
        module: op.module,
        label: clip(name, Math.floor((nodeWidth - 20) / NAME_CHAR)),
        kindLabel: clip(kind, Math.floor((nodeWidth - 60) / KIND_CHAR)),
        layer: r,
        x: left + i * (nodeWidth + GAP_X),
        y: PAD + r * (NODE_HEIGHT + GAP_Y),
        width: nodeWidth,
        height: NODE_HEIGHT,
      };
    });
  });
  const at = new Map(nodes.map((n) => [n.name, n]));
  const laidEdges = edges.map((e) => {
    const a = /** @type {typeof nodes[number]} */ (at.get(e.from));
    const b = /** @type {typeof nodes[number]} */ (at.get(e.to));
    const x1 = a.x + a.width / 2, y1 = a.y + a.height;
    const x2 = b.x + b.width / 2, y2 = b.y;
    const bend = Math.max(GAP_Y / 2, Math.abs(y2 - y1) / 2);
    const path = `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`;
    // Halfway down, a branch's two arms are far enough apart for both labels.
    const t = 0.5;
    const mt = 1 - t;
    const labelX = mt ** 3 * x1 + 3 * mt * mt * t * x1 + 3 * mt * t * t * x2 + t ** 3 * x2;
    const labelY = mt ** 3 * y1 + 3 * mt * mt * t * (y1 + bend) + 3 * mt * t * t * (y2 - bend) +
      t ** 3 * y2;
    return { from: e.from, to: e.to, arm: e.arm, path, labelX, labelY };
  });
  return { nodes, edges: laidEdges, width, height };
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {string} [text]
 */
function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * An SVG of the graph. Each operation is a `<g data-operation="name">` with a `.rate` text the
 * page fills with live rates; each edge has a `.edge-hit` path (`data-from`, `data-to`) to click.
 * @param {Parameters<typeof layoutGraph>[0]} graph
 * @param {string} label the accessible name, e.g. "Graph of ovens"
 */
export function drawGraph(graph, label) {
  const layout = layoutGraph(graph);
  const svg = el("svg", {
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: "img",
    "aria-label": label,
    class: "graph",
  });
  svg.style.maxWidth = `${layout.width}px`;
  const description = layout.edges.map((e) => `${e.from} to ${e.to}${e.arm ? ` (${e.arm})` : ""}`);
  svg.append(el("title", {}, `${label}: ${description.join(", ") || "no connections"}`));
  const defs = el("defs", {});
  const marker = el("marker", {
    id: `arrow-${Math.random().toString(36).slice(2)}`,
    viewBox: "0 0 10 10",
    refX: 10,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: "auto-start-reverse",
  });
  marker.append(el("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }));
  defs.append(marker);
  svg.append(defs);
  for (const e of layout.edges) {
    svg.append(el("path", {
      d: e.path,
      class: `edge${e.arm ? ` arm-${e.arm.toLowerCase()}` : ""}`,
      "marker-end": `url(#${marker.id})`,
    }));
  }
  // A wide transparent twin of each edge takes the clicks (a thin line is hard to hit).
  for (const e of layout.edges) {
    const hit = el("path", { d: e.path, class: "edge-hit", "data-from": e.from, "data-to": e.to });
    hit.append(el("title", {}, `Watch records from ${e.from} to ${e.to}`));
    svg.append(hit);
  }
  for (const e of layout.edges) {
    if (!e.arm) continue;
    const g = el("g", { class: `arm-label arm-${e.arm.toLowerCase()}` });
    g.append(el("rect", { x: e.labelX - 20, y: e.labelY - 9, width: 40, height: 18, rx: 4 }));
    g.append(el("text", { x: e.labelX, y: e.labelY + 4, "text-anchor": "middle" }, e.arm));
    svg.append(g);
  }
  for (const n of layout.nodes) {
    const g = el("g", { class: `node type-${n.type}`, "data-operation": n.name });
    g.append(el("rect", { x: n.x, y: n.y, width: n.width, height: n.height, rx: 8 }));
    g.append(el("text", { x: n.x + 10, y: n.y + 19, class: "name" }, n.label));
    const kind = n.module ? `${n.type} · ${n.module}` : n.type;
    g.append(el("text", { x: n.x + 10, y: n.y + 37, class: "kind" }, n.kindLabel));
    g.append(
      el("text", { x: n.x + n.width - 8, y: n.y + 37, class: "rate", "text-anchor": "end" }),
    );
    g.append(el("title", {}, `${n.name}: ${kind}`));
    svg.append(g);
  }
  return svg;
}
