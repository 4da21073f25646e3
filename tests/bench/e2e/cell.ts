/**
 * Runs one cell: the load generator in its own process against a running
 * system, with the system's CPU time read at the edges of the steady
 * interval and its memory sampled throughout.
 *
 * @module
 */
import type { LoadPlan, LoadResult } from "./load.ts";
import { rssSampler, treeUsages } from "./proc_stats.ts";

/** What a cell measured, beyond the load generator's own figures. */
export interface CellMeasure {
  readonly load: LoadResult;
  /** CPU seconds the system used per 1,000 delivered messages in the steady interval. */
  readonly cpuPer1k: number;
  /** CPU share of one core the system used in the steady interval. */
  readonly cpuCores: number;
  /** CPU share of one core the load generator used in the steady interval. */
  readonly loadGenCores: number;
  /** CPU share of one core the broker used in the steady interval (NaN if not found). */
  readonly brokerCores: number;
  readonly rssPeakMiB: number;
}

/**
 * Runs the load generator with `plan` against the system whose root process
 * is `pid`; `brokerPid` is the broker's, whose CPU is noted beside.
 */
export async function runCell(
  pid: number,
  brokerPid: number | undefined,
  plan: LoadPlan,
): Promise<CellMeasure> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-read",
      new URL("./load.ts", import.meta.url).pathname,
      JSON.stringify(plan),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errors = new Response(child.stderr).text();
  const rss = rssSampler(pid);
  let edges: { at: number; system: number; loadGen: number; broker: number }[] = [];
  let result: LoadResult | undefined;
  let buffer = "";
  try {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        if (line.event === "steady-start" || line.event === "steady-end") {
          const at = performance.now();
          const [system, loadGen, broker] = await treeUsages([pid, child.pid, brokerPid ?? -1]);
          const edge = {
            at,
            system: system!.cpuSeconds,
            loadGen: loadGen!.cpuSeconds,
            broker: brokerPid === undefined ? NaN : broker!.cpuSeconds,
          };
          edges = line.event === "steady-start" ? [edge] : [...edges, edge];
        } else if (line.event === "result") {
          result = line.result;
        }
      }
    }
  } finally {
    rss.stop();
  }
  const status = await child.status;
  if (!status.success || result === undefined || edges.length !== 2) {
    throw new Error(`load generator failed (exit ${status.code}): ${(await errors).slice(-2000)}`);
  }
  const [from, to] = edges as [typeof edges[0], typeof edges[0]];
  const seconds = (to.at - from.at) / 1000;
  const delivered = result.deliveredPerS * result.steadyS;
  return {
    load: result,
    cpuPer1k: delivered > 0 ? (to.system - from.system) / (delivered / 1000) : NaN,
    cpuCores: (to.system - from.system) / seconds,
    loadGenCores: (to.loadGen - from.loadGen) / seconds,
    brokerCores: (to.broker - from.broker) / seconds,
    rssPeakMiB: rss.peak(),
  };
}
