// deno-lint-ignore-file no-console -- a bench script reports on standard output
/**
 * `deno task bench:e2e`: Weir, a bare relay and Benthos side by side, each as
 * its own process and alone against one mosquitto, with the load generator in
 * a process of its own. Writes tests/artifacts/bench-e2e.{json,md} and prints
 * the table. Flags select the matrix (see matrix.ts); `--quick` is a subset.
 *
 * Needs mosquitto (bash .ci/install-services.sh), the sample modules, and for
 * the Benthos rows `bash ../shared/peers/benthos/build.sh` (else "not built").
 *
 * @module
 */
import { join } from "node:path";
import { startMosquitto } from "../../_mosquitto.ts";
import { ROOT } from "../../_samples.ts";
import { runCell } from "./cell.ts";
import type { LoadPlan } from "./load.ts";
import { type Matrix, parseMatrix, type Rate, type System } from "./matrix.ts";
import { loadAverage, machineInfo } from "./machine.ts";
import { hasBenthos, PEER_GRAPHS, startBenthos, startRelay } from "./peers.ts";
import { childNamed, treeUsage } from "./proc_stats.ts";
import { type BenchReport, cellLine, type CellRecord, markdown, type RunRecord } from "./report.ts";
import type { Running } from "./spawn.ts";
import { startWeir, WEIR_GRAPHS } from "./weir_process.ts";

const IDLE_SETTLE_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let matrix: Matrix;
try {
  matrix = parseMatrix(Deno.args);
} catch (error) {
  console.error(`bench:e2e: ${(error as Error).message}`);
  Deno.exit(2);
}
const command = ["deno task bench:e2e", ...Deno.args].join(" ");
const machine = await machineInfo();
console.log(`${command}\n${JSON.stringify(machine)}`);
const started = new Date();
const cells: CellRecord[] = [];
const runs: RunRecord[] = [];
let seqBase = 1_000_000;

function start(system: System, url: string, qos: 0 | 1, graph: string, dir: string) {
  if (system === "weir") return startWeir(url, qos, graph, dir);
  if (system === "relay") return startRelay(url, qos, graph);
  return startBenthos(url, qos, graph, dir);
}

/** The load generator's plan for one cell against a started system. */
function planFor(sut: Running, url: string, qos: 0 | 1, graph: string, rate: Rate, bytes: number) {
  const metricsUrl = "metricsUrl" in sut ? String(sut.metricsUrl) : undefined;
  const window = graph === "window";
  const plan: LoadPlan = {
    url,
    qos,
    rate: rate.perS,
    bytes,
    shape: window ? "window" : "echo",
    warmupS: matrix.warmupS,
    steadyS: matrix.steadyS,
    seqBase,
    inflight: window ? 5_000 : 1_000,
    ...(metricsUrl === undefined ? {} : { metricsUrl }),
  };
  seqBase += 10_000_000;
  return plan;
}

/**
 * Measures one cell on a system started for it alone, so that no cell inherits
 * another's backlog, queue or open windows; notes its memory before and after.
 */
async function measureCell(system: System, qos: 0 | 1, graph: string, rate: Rate, bytes: number) {
  const base = { system, graph, qos, rate: rate.label, bytes };
  const loadAverageNow = (await loadAverage())[0]!;
  const dir = await Deno.makeTempDir({ prefix: `weir-bench-e2e-${system}-` });
  const t0 = performance.now();
  let sut: Running | undefined;
  try {
    sut = await start(system, broker.url, qos, graph, dir);
    const startS = (performance.now() - t0) / 1000;
    await sleep(IDLE_SETTLE_MS);
    const rssIdleMiB = (await treeUsage(sut.pid)).rssMiB;
    const m = await runCell(sut.pid, brokerPid, planFor(sut, broker.url, qos, graph, rate, bytes));
    cells.push({ ...base, status: "ok", measure: m, loadAverage: loadAverageNow });
    console.log(cellLine(system, graph, qos, rate.label, bytes, m));
    await sleep(IDLE_SETTLE_MS);
    runs.push({
      ...base,
      startS,
      rssIdleMiB,
      rssAfterLoadMiB: (await treeUsage(sut.pid)).rssMiB,
      logTail: sut.output().slice(-4000),
    });
  } catch (error) {
    const message = (error as Error).message;
    cells.push({ ...base, status: "error", error: message, loadAverage: loadAverageNow });
    console.log(`${system} ${graph} QoS ${qos} ${rate.label} ${bytes} B: ERROR ${message}`);
    if (sut !== undefined) console.log(sut.output().slice(-2000));
  } finally {
    await sut?.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Records every size and rate of a system that is not built. */
async function markNotBuilt(system: System, qos: 0 | 1, graph: string) {
  const loadAverageNow = (await loadAverage())[0]!;
  for (const bytes of matrix.sizes) {
    for (const rate of matrix.rates) {
      cells.push({
        system,
        graph,
        qos,
        rate: rate.label,
        bytes,
        status: "not built",
        loadAverage: loadAverageNow,
      });
    }
  }
}

const broker = await startMosquitto({ tcpNoDelay: matrix.nodelay });
const brokerPid = await childNamed("mosquitto");
try {
  for (const system of matrix.systems) {
    for (const qos of matrix.qos) {
      const graphs = matrix.graphs.filter((g) =>
        system === "weir" ? g in WEIR_GRAPHS : PEER_GRAPHS.includes(g)
      );
      for (const graph of graphs) {
        if (system === "benthos" && !hasBenthos()) {
          await markNotBuilt(system, qos, graph);
          continue;
        }
        for (const bytes of matrix.sizes) {
          for (const rate of matrix.rates) await measureCell(system, qos, graph, rate, bytes);
        }
      }
    }
  }
} finally {
  await broker.stop();
}

const report: BenchReport = {
  command,
  machine,
  matrix,
  startedAt: started.toISOString(),
  durationS: (Date.now() - started.getTime()) / 1000,
  loadAverageEnd: await loadAverage(),
  runs,
  cells,
};
const out = join(ROOT, "tests/artifacts");
await Deno.mkdir(out, { recursive: true });
const table = markdown(report);
await Deno.writeTextFile(join(out, "bench-e2e.json"), JSON.stringify(report, null, 2) + "\n");
await Deno.writeTextFile(join(out, "bench-e2e.md"), table);
console.log(`\n${table}\nWritten: tests/artifacts/bench-e2e.json, tests/artifacts/bench-e2e.md`);
