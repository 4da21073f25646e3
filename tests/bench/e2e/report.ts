/**
 * The bench's results: the JSON record of every cell and the markdown tables
 * made from it (systems side by side, "—" where a system has no equivalent).
 *
 * @module
 */
import type { CellMeasure } from "./cell.ts";
import type { Matrix, System } from "./matrix.ts";

/** One system on one cell of the matrix. */
export interface CellRecord {
  readonly system: System;
  readonly graph: string;
  readonly qos: 0 | 1;
  readonly rate: string;
  readonly bytes: number;
  /** "not built": Benthos is missing; "error": see `error`. */
  readonly status: "ok" | "error" | "not built";
  readonly error?: string;
  readonly measure?: CellMeasure;
  /** 1-minute load average when the cell started. */
  readonly loadAverage: number;
}

/** One start of a system, for one cell: its memory before and after the load. */
export interface RunRecord {
  readonly system: System;
  readonly graph: string;
  readonly qos: 0 | 1;
  readonly rate: string;
  readonly bytes: number;
  readonly startS: number;
  readonly rssIdleMiB: number;
  readonly rssAfterLoadMiB: number;
  /** The end of what the system printed (warnings and errors only for Weir). */
  readonly logTail: string;
}

/** Everything a bench run writes. */
export interface BenchReport {
  readonly command: string;
  readonly machine: Record<string, unknown>;
  readonly matrix: Matrix;
  readonly startedAt: string;
  readonly durationS: number;
  readonly loadAverageEnd: readonly number[];
  readonly runs: readonly RunRecord[];
  readonly cells: readonly CellRecord[];
}

const DASH = "—";
const fixed = (n: number | null, digits: number) =>
  n !== null && Number.isFinite(n) ? n.toFixed(digits) : DASH;

/** One line of progress for a measured cell. */
export function cellLine(
  system: System,
  graph: string,
  qos: number,
  rate: string,
  bytes: number,
  m: CellMeasure,
): string {
  const l = m.load;
  const pct = (share: number) => `${fixed(share * 100, 0)} %`;
  return `${system} ${graph} QoS ${qos} ${rate} ${bytes} B: ${fixed(l.deliveredPerS, 0)} msg/s ` +
    `(offered ${fixed(l.offeredPerS, 0)}), p50 ${fixed(l.latency.p50, 1)} p99 ${
      fixed(l.latency.p99, 1)
    } max ${fixed(l.latency.max, 0)} ms, CPU ${fixed(m.cpuPer1k, 3)} s/1k (${
      pct(m.cpuCores)
    } of a core; load gen ${pct(m.loadGenCores)}, broker ${pct(m.brokerCores)}), RSS ${
      fixed(m.rssPeakMiB, 0)
    } MiB, sent ${l.sent} lost ${l.loss} dup ${l.duplicates} stray ${l.stray}` +
    (l.deadLettered > 0 ? ` dead-lettered ${l.deadLettered}` : "") +
    (l.windows > 0 ? ` windows ${l.windows}` : "");
}

/**
 * The relay cell a system's cell is compared with: the same work, or the one map for the
 * three-operator graph. None for the window, whose rate counts inputs and not outputs.
 */
function relayFor(cells: readonly CellRecord[], c: CellRecord): CellMeasure | undefined {
  if (c.graph === "window") return undefined;
  const graph = c.graph === "bridge" ? "bridge" : "map";
  return cells.find((r) =>
    r.system === "relay" && r.graph === graph && r.qos === c.qos && r.rate === c.rate &&
    r.bytes === c.bytes
  )?.measure;
}

function systemColumns(cell: CellRecord | undefined, graph: string): string[] {
  if (cell === undefined) return [DASH, DASH, DASH, DASH, DASH];
  if (cell.status === "not built") return ["not built", DASH, DASH, DASH, DASH];
  const m = cell.measure;
  if (m === undefined) return [`error`, DASH, DASH, DASH, DASH];
  const l = m.load.latency;
  const loss = m.load.loss === 0 ? "0" : `**${m.load.loss}**`;
  return [
    fixed(m.load.deliveredPerS, 0),
    `${fixed(l.p50, 1)} / ${fixed(l.p99, 1)} / ${fixed(l.max, 0)}${
      graph === "window" ? ` (${l.samples} win)` : ""
    }`,
    fixed(m.cpuPer1k, 3),
    fixed(m.rssPeakMiB, 0),
    [
      loss,
      m.load.duplicates > 0 ? ` (+${m.load.duplicates} dup)` : "",
      m.load.deadLettered > 0 ? ` (${m.load.deadLettered} dead-lettered)` : "",
    ].join(""),
  ];
}

const range = (values: number[], digits: number) => {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low.toFixed(digits) === high.toFixed(digits)
    ? fixed(low, digits)
    : `${fixed(low, digits)}–${fixed(high, digits)}`;
};

/** Start time and memory per system, graph and QoS, over the starts of all their cells. */
function idleRows(runs: readonly RunRecord[]): string[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = `| ${r.system} | ${r.graph} | ${r.qos} |`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups].map(([key, rs]) =>
    `${key} ${range(rs.map((r) => r.startS), 1)} | ${range(rs.map((r) => r.rssIdleMiB), 0)} | ${
      range(rs.map((r) => r.rssAfterLoadMiB), 0)
    } |`
  );
}

/** The markdown report. */
export function markdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `# Weir end-to-end bench`,
    "",
    `\`${report.command}\` — started ${report.startedAt}, ran ${
      fixed(report.durationS / 60, 1)
    } min; ` +
    `${m.cores} cores (${m.cpu}), load average at start ${m.loadAverageStart}, at end ` +
    `${report.loadAverageEnd.join(" ")}; Deno ${m.deno}; ${m.mosquitto}; Benthos ${m.benthos}. ` +
    `${report.matrix.warmupS} s warm-up + ${report.matrix.steadyS} s steady per cell.`,
    "",
    "Per system: delivered msg/s | latency p50 / p99 / max ms | CPU s per 1,000 msgs | peak RSS MiB | loss. " +
    "Weir ÷ relay: delivered msg/s and CPU per message against the relay doing the same work " +
    "(for the three-operator graph: the relay's one map; none for the window).",
    "",
  ];
  const header = [
    "QoS",
    "load",
    "size",
    "graph",
    ...["Weir", "relay", "Benthos¹"].flatMap((s) => [
      `${s} msg/s`,
      "p50 / p99 / max",
      "CPU s/1k",
      "RSS",
      "loss",
    ]),
    "Weir ÷ relay msg/s",
    "Weir ÷ relay CPU",
  ];
  lines.push(`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`);
  const { matrix } = report;
  for (const qos of matrix.qos) {
    for (const rate of matrix.rates) {
      for (const bytes of matrix.sizes) {
        for (const graph of matrix.graphs) {
          const find = (system: System) =>
            report.cells.find((c) =>
              c.system === system && c.graph === graph && c.qos === qos && c.rate === rate.label &&
              c.bytes === bytes
            );
          const weir = find("weir");
          const relay = weir && relayFor(report.cells, weir);
          const w = weir?.measure;
          lines.push(
            `| ${
              [
                qos,
                rate.label,
                bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`,
                graph,
                ...systemColumns(weir, graph),
                ...systemColumns(find("relay"), graph),
                ...systemColumns(find("benthos"), graph),
                w && relay ? fixed(w.load.deliveredPerS / relay.load.deliveredPerS, 2) : DASH,
                w && relay ? `${fixed(w.cpuPer1k / relay.cpuPer1k, 1)}×` : DASH,
              ].join(" | ")
            } |`,
          );
        }
      }
    }
  }
  lines.push(
    "",
    "¹ Benthos v4.27.0 speaks MQTT 3.1.1 and keeps no durable queue (in-memory at-least-once); " +
      "Weir stores every message in its SQLite outbound queue before publishing. The relay acknowledges " +
      "QoS 1 input on receipt (no delivery guarantee). Relay and Benthos have only the bridge and one-map " +
      "equivalents (—).",
    "",
    "Notes:",
    '- "max" is a closed loop: at most 1,000 messages between publisher and output (window: 5,000 ' +
      "between publisher and the window's intake), so msg/s is the sustained delivered rate. Fixed " +
      "rates publish on schedule whatever comes back; msg/s below the offered rate means the system " +
      "fell behind, and its latency then includes the backlog.",
    "- Latency is end to end: from the send time carried in the payload to arrival at the subscriber " +
      "(another process), for the messages sent in the steady interval.",
    "- Loss is sent − received once nothing more arrived for 15 s (windows: 16 s) or after 5 min; " +
      "dead-lettered: what the gateway's /metrics counted as dead letters in the cell.",
    "- Window rows: msg/s is what the window took in (the delay's weir_operation_records_in_total); " +
      "loss is sent − the sum of the windows' counts; latency runs from the window's end (the time its " +
      "output carries in `__ts`) to the output's arrival, over n windows.",
    "- CPU is utime + stime of the system's process tree over the steady interval; RSS is VmRSS of " +
      "the tree, sampled every 250 ms. The one map re-serializes each °F reading without the pad, " +
      "so map outputs are ~150 B at every size.",
    "",
    "Each cell ran on a system started for it alone. Idle memory: after start-up and 2 s of " +
      "rest, before any message; after load: 2 s after the cell's last message (range over cells).",
    "",
    "| system | graph | QoS | start s | RSS idle MiB | RSS after load MiB |",
    "| --- | --- | --- | --- | --- | --- |",
    ...idleRows(report.runs),
  );
  const failed = report.cells.filter((c) => c.status === "error");
  if (failed.length > 0) {
    lines.push(
      "",
      "Errors:",
      ...failed.map((c) =>
        `- ${c.system} ${c.graph} QoS ${c.qos} ${c.rate} ${c.bytes} B: ${c.error}`
      ),
    );
  }
  return lines.join("\n") + "\n";
}
