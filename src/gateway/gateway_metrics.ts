/**
 * The gateway's own counts as collected metric series: each operation's
 * records in and out, dropped, late and dead-lettered (the engine keeps them
 * as plain numbers), the queue's outputs and dead letters, and whether each
 * endpoint is up. Read at every scrape and export, never on the hot path.
 *
 * @module
 */
import type { OperationStats } from "../engine/mod.ts";
import type { OutboundQueue } from "../store/mod.ts";
import type { CollectedSeries } from "../telemetry/mod.ts";
import type { EndpointStatus } from "./control.ts";

/** What the collector reads. */
export interface GatewayCounts {
  readonly dataflows: () => Iterable<{
    readonly name: string;
    readonly flow?: { stats(): Record<string, OperationStats> } | undefined;
  }>;
  readonly queue: OutboundQueue;
  readonly endpoints: () => readonly EndpointStatus[];
}

const OPERATION_COUNTERS: ReadonlyArray<[string, keyof OperationStats]> = [
  ["weir_operation_records_in_total", "recordsIn"],
  ["weir_operation_records_out_total", "recordsOut"],
  ["weir_operation_dropped_total", "dropped"],
  ["weir_operation_late_total", "late"],
  ["weir_operation_dead_lettered_total", "deadLettered"],
];

/** The series of the gateway's counts now. */
export function* gatewaySeries(counts: GatewayCounts): Iterable<CollectedSeries> {
  for (const d of counts.dataflows()) {
    for (const [operation, stats] of Object.entries(d.flow?.stats() ?? {})) {
      const labels = { dataflow: d.name, operation };
      for (const [name, field] of OPERATION_COUNTERS) {
        yield { name, kind: "counter", labels, value: stats[field] };
      }
    }
  }
  const usage = counts.queue.usage();
  yield { name: "weir_queue_depth", kind: "gauge", labels: {}, value: usage.outputs.count };
  yield { name: "weir_queue_bytes", kind: "gauge", labels: {}, value: usage.outputs.bytes };
  yield {
    name: "weir_dead_letters_stored",
    kind: "gauge",
    labels: {},
    value: usage.deadLetters.count,
  };
  yield {
    name: "weir_dead_letters_dropped_total",
    kind: "counter",
    labels: {},
    value: counts.queue.stats().droppedDeadLetters,
  };
  for (const e of counts.endpoints()) {
    yield {
      name: "weir_endpoint_up",
      kind: "gauge",
      labels: { endpoint: e.name },
      value: e.up ? 1 : 0,
    };
  }
}
