/**
 * What every connector's factories share: the source and sink options that
 * come straight from the settings and the context, a lease given back
 * when the source or sink built on it cannot be made, and how a source hands
 * a batch to its handler.
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import type { Rec } from "../engine/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import type { ConnectorContext, SinkSettings, SourceHandler, SourceSettings } from "./contract.ts";
import type { Lease } from "./pool.ts";

/** The options of every source that come from its settings and context. */
export interface CommonSourceOptions {
  readonly topics: readonly string[];
  readonly node?: string;
  readonly maxBatch?: number;
  readonly maxClockDriftMs?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
}

/** The options of every sink that come from its settings and context. */
export interface CommonSinkOptions {
  /** The output id of a record, used by `write`. */
  readonly outputId?: (record: Rec) => string | undefined;
  /** Where `write` sends records it cannot encode. @default logged and counted */
  readonly onReject?: (record: Rec, error: Error) => void;
  readonly logger: Logger;
  readonly metrics?: Metrics;
}

/** A source's options from its settings and the connector context. */
export function sourceOptions(
  settings: SourceSettings,
  context: ConnectorContext,
): CommonSourceOptions {
  return {
    topics: settings.topics,
    ...defined({ node: settings.node }),
    ...defined({ maxBatch: settings.maxBatch }),
    ...defined({ maxClockDriftMs: settings.maxClockDriftMs }),
    ...defined({ labels: settings.labels }),
    logger: context.logger,
    ...defined({ metrics: context.metrics }),
  };
}

/** A sink's options from its settings and the connector context. */
export function sinkOptions(settings: SinkSettings, context: ConnectorContext): CommonSinkOptions {
  return {
    ...defined({ outputId: settings.outputId }),
    ...defined({ onReject: settings.onReject }),
    logger: context.logger,
    ...defined({ metrics: context.metrics }),
  };
}

/** What `make` builds on a lease; the lease is given back when making it throws. */
export function onLease<C, T>(held: Lease<C>, make: () => T): T {
  try {
    return make();
  } catch (error) {
    void held.release();
    throw error;
  }
}

/**
 * Hands a batch of records to a source's handler, each with its acknowledgement.
 * A throw is a bug in the handler, which owns what becomes of a batch: it is
 * logged and counted, and the batch acknowledged, since holding the
 * acknowledgements would stall every later message of the connection.
 */
export async function deliverBatch(
  handler: SourceHandler,
  batch: { readonly records: readonly Rec[]; readonly acks: ReadonlyArray<() => void> },
  options: {
    readonly logger: Logger;
    readonly metrics?: Metrics;
    readonly labels: Readonly<Record<string, string>>;
  },
): Promise<void> {
  const { records, acks } = batch;
  const ackAll = () => {
    for (const ack of acks) ack();
  };
  try {
    await handler({ records, acks, ackAll });
  } catch (error) {
    options.metrics?.add("weir_source_handler_failures_total", records.length, options.labels);
    options.logger.log("error", "source handler failed; batch acknowledged unprocessed", {
      records: records.length,
      error,
    });
    ackAll();
  }
}
