// The last hour as small charts (uPlot, served from /vendor/): records in
// per second for each operation of each dataflow, end-to-end latency p50 and
// p99, and the queue (outputs waiting, dead letters kept). The gateway keeps
// the points; the page asks for them on the gateway's own interval.
import { api } from "./api.js";
import { $, h } from "./dom.js";

const COLORS = ["#0b5cad", "#1b7f3b", "#b3261e", "#8a5a00", "#6b3fa0", "#00796b", "#c2185b"];

/** @type {any} */
let uPlot;
/** Charts by key: the uPlot instance and the series names it draws. */
const charts = new Map();
let timer;
let observer;
/** Bumped by every start and stop, so a refresh still running after a stop schedules nothing. */
let generation = 0;

/** Which charts the series make: one per dataflow for rates, then latency, then the queue. */
function groups(series) {
  const byDataflow = new Map();
  for (const name of Object.keys(series)) {
    const m = /^rate\/([^/]+)\/(.+)$/.exec(name);
    if (!m) continue;
    const list = byDataflow.get(m[1]) ?? [];
    list.push({ name, label: m[2] });
    byDataflow.set(m[1], list);
  }
  return [
    ...[...byDataflow].map(([dataflow, list]) => ({
      key: `rate-${dataflow}`,
      title: `Records in per second: ${dataflow}`,
      unit: "/s",
      lines: list,
    })),
    {
      key: "latency",
      title: "End-to-end latency (ms)",
      unit: "ms",
      lines: [{ name: "latency/p50", label: "p50" }, { name: "latency/p99", label: "p99" }],
    },
    {
      key: "queue",
      title: "Queue",
      unit: "",
      lines: [
        { name: "queue/depth", label: "outputs waiting" },
        { name: "queue/deadLetters", label: "dead letters" },
      ],
    },
  ];
}

/** A chart as wide as its place in the grid. */
function chartWidth(/** @type {HTMLElement} */ figure) {
  return Math.max(200, figure.clientWidth || 300);
}

function makeChart(group, data) {
  const figure = h(
    "figure",
    { class: "trend", "data-chart": group.key, "aria-label": group.title },
    h("figcaption", {}, group.title),
  );
  $("trends").append(figure);
  const chart = new uPlot(
    {
      width: chartWidth(figure),
      height: 150,
      legend: { live: false },
      scales: { x: { time: true } },
      axes: [{}, { size: 48 }],
      series: [
        {},
        ...group.lines.map((line, i) => ({
          label: line.label,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          spanGaps: false,
        })),
      ],
    },
    data,
    figure,
  );
  return { chart, figure, names: group.lines.map((l) => l.name).join("|") };
}

/** Draws or updates every chart from the gateway's points. */
async function refresh() {
  const trends = await api("GET", "/api/trends");
  const live = new Set();
  const order = groups(trends.series);
  for (const group of order) {
    live.add(group.key);
    const data = [
      trends.times,
      ...group.lines.map((l) => trends.series[l.name] ?? trends.times.map(() => null)),
    ];
    let entry = charts.get(group.key);
    if (entry && entry.names !== group.lines.map((l) => l.name).join("|")) {
      entry.chart.destroy();
      entry.figure.remove();
      entry = undefined;
    }
    if (!entry) {
      entry = makeChart(group, data);
      charts.set(group.key, entry);
    } else {
      entry.chart.setData(data);
    }
    entry.figure.dataset.points = String(trends.times.length);
    entry.figure.dataset.last = String(trends.times.at(-1) ?? "");
  }
  for (const [key, entry] of charts) {
    if (live.has(key)) continue;
    entry.chart.destroy();
    entry.figure.remove();
    charts.delete(key);
  }
  // Rates first, then latency and the queue, whichever chart was made last.
  const figures = order.map((g) => charts.get(g.key)?.figure);
  if (figures.some((f, i) => $("trends").children[i] !== f)) $("trends").append(...figures);
  return trends.intervalMs;
}

/** Loads uPlot and starts drawing; says so in the panel when it cannot. */
export async function startTrends() {
  stopTrends();
  const mine = generation;
  try {
    ({ default: uPlot } = await import("/vendor/uplot.js"));
  } catch {
    $("trends-note").textContent = "Charts are not available: uPlot was not served.";
    return;
  }
  if (mine !== generation) return;
  const tick = async () => {
    let interval = 10_000;
    try {
      interval = await refresh();
      $("trends-note").textContent = "";
    } catch (error) {
      $("trends-note").textContent = `Charts paused: ${/** @type {Error} */ (error).message}`;
    }
    if (mine === generation) timer = setTimeout(tick, Math.max(500, interval));
  };
  observer = new ResizeObserver(() => {
    for (const { chart, figure } of charts.values()) {
      chart.setSize({ width: chartWidth(figure), height: 150 });
    }
  });
  observer.observe($("trends"));
  await tick();
}

/** Stops drawing and removes the charts (signing out). */
export function stopTrends() {
  generation++;
  clearTimeout(timer);
  observer?.disconnect();
  for (const { chart, figure } of charts.values()) {
    chart.destroy();
    figure.remove();
  }
  charts.clear();
}
