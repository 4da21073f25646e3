/**
 * How every source hands a batch to its handler: the records with one
 * acknowledgement each, and, should the handler throw (a bug there: it owns
 * what becomes of a batch), the batch acknowledged anyway, counted and
 * logged, because holding its acknowledgements would stall every later
 * record of the source.
 *
 * @module
 */
import type { Rec } from "../engine/mod.ts";
import type { Labels, Logger, Metrics } from "../telemetry/mod.ts";
import type { SourceBatch, SourceHandler } from "./contract.ts";

/** Where a failed hand-over is reported. */
export interface HandOverReport {
  readonly logger: Logger;
  readonly metrics?: Metrics | undefined;
  readonly labels: Labels;
}

/** Hands `records` (with `acks`) to `handler`; resolves when it is done with them. */
export async function handOver(
  handler: SourceHandler,
  records: Rec[],
  acks: Array<() => void>,
  report: HandOverReport,
): Promise<void> {
  const batch: SourceBatch = {
    records,
    acks,
    ackAll: () => {
      for (const ack of acks) ack();
    },
  };
  try {
    await handler(batch);
  } catch (error) {
    report.metrics?.add("weir_source_handler_failures_total", records.length, report.labels);
    report.logger.log("error", "source handler failed; batch acknowledged unprocessed", {
      records: records.length,
      error,
    });
    batch.ackAll();
  }
}
