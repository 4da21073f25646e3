/**
 * What every sink's `write` does first: each record becomes an outbound
 * message; one that cannot be sent as is (a `connector_rejected` error) goes
 * to the caller's `onReject` (or the log) and is counted, and the rest go on.
 *
 * @module
 */
import type { Rec } from "../engine/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import type { OutboundMessage } from "./contract.ts";
import { ConnectorError } from "./errors.ts";

/** Where refused records go. */
export interface RejectOptions {
  readonly outputId?: (record: Rec) => string | undefined;
  readonly onReject?: (record: Rec, error: Error) => void;
  readonly logger: Logger;
  readonly metrics?: Metrics;
}

/** How a sink names its refusals: the counter, its endpoint, and the log line's words. */
export interface RejectCount {
  readonly metric: string;
  readonly endpoint: string;
  readonly logLine: string;
}

/** The messages `batch` becomes; records the sink refuses are reported, not thrown. */
export function encodeBatch(
  batch: readonly Rec[],
  encode: (record: Rec, id?: string) => OutboundMessage,
  options: RejectOptions,
  count: RejectCount,
): OutboundMessage[] {
  const messages: OutboundMessage[] = [];
  for (const record of batch) {
    try {
      messages.push(encode(record, options.outputId?.(record)));
    } catch (error) {
      if (!(error instanceof ConnectorError)) throw error;
      options.metrics?.add(count.metric, 1, { endpoint: count.endpoint });
      if (options.onReject !== undefined) options.onReject(record, error);
      else options.logger.log("error", count.logLine, { error: error.message });
    }
  }
  return messages;
}
