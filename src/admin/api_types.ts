/**
 * The JSON shapes of the admin API beyond the gateway's own types: what the
 * page in `web/` reads and what clients send. Dataflows, versions, modules
 * and events are the gateway's control types, sent as they are.
 *
 * @module
 */
import type { DataflowStatus } from "../gateway/mod.ts";

/** One operation's counters, as the gateway reports them. */
export type OperationCounters = DataflowStatus["stats"][string];

/** `GET /api/health`: no authentication needed. */
export interface HealthResponse {
  /** "ok" when every endpoint is up and no dataflow failed; "degraded" otherwise. */
  readonly status: "ok" | "degraded";
  /** How many dataflows the gateway runs. */
  readonly dataflows: number;
  /** Endpoints whose connection is down, by name (empty when all are up). */
  readonly endpointsDown: readonly string[];
  /** Dataflows that failed, by name. */
  readonly dataflowsFailed: readonly string[];
}

/** Every error response: a stable code and a readable message. */
export interface ApiErrorBody {
  /** What went wrong. */
  readonly error: {
    /** A `WeirError` code, or `unauthorized`, `rate_limited`, `too_large`, `internal`. */
    readonly code: string;
    readonly message: string;
  };
}

/** `POST /api/dataflows/:name/deploy`. Exactly one of `ref` and `yaml`. */
export interface DeployBody {
  /** `<registry>/<repo>:<tag>` or `<registry>/<repo>@sha256:<hex>`. */
  readonly ref?: string;
  /** Graph YAML text. */
  readonly yaml?: string;
  /** Graph configuration values by key. */
  readonly configuration?: Readonly<Record<string, string>>;
  /** Re-pull `ref` every so many seconds; 0 stops watching. Only with `ref`. */
  readonly watchSeconds?: number;
}

/** `PUT /api/dataflows/:name/configuration`. */
export interface ConfigurationBody {
  /** The new graph configuration values by key. */
  readonly configuration: Readonly<Record<string, string>>;
}

/** One operation in `GET /api/dataflows/:name/stats`. */
export interface OperationRates {
  /** Counters since the serving version started. */
  readonly totals: OperationCounters;
  /** Per second, over the time since the previous sample; 0 on the first sample. */
  readonly perSecond: {
    readonly recordsIn: number;
    readonly recordsOut: number;
    readonly dropped: number;
    readonly late: number;
    readonly deadLettered: number;
  };
}

/** `GET /api/dataflows/:name/stats`. */
export interface StatsResponse {
  /** The dataflow's name. */
  readonly dataflow: string;
  /** The serving version id; absent for a plain bridge. */
  readonly version?: number;
  /** ISO time of this sample. */
  readonly at: string;
  /** Milliseconds between the two samples the rates come from; 0 on the first. */
  readonly intervalMs: number;
  /** Per operation name. */
  readonly operations: Readonly<Record<string, OperationRates>>;
  /** Messages waiting in the outbound queue for this dataflow. */
  readonly queued: number;
  /** Records the source is behind its log (a Kafka source's consumer lag), once measured. */
  readonly sourceLag?: number;
}

/** `POST /api/events/ticket`: a short-lived credential for `GET /api/events?ticket=…`. */
export interface TicketResponse {
  /** Put it in the URL: `/api/events?ticket=…`. */
  readonly ticket: string;
  /** Seconds it stays valid for opening a stream (an open stream is not cut). */
  readonly expiresInSeconds: number;
}

/**
 * `POST /api/dead-letters/replay` and `…/purge`: which dead letters. Give
 * seqs, or filters (all of them narrow), or `all: true`.
 */
export interface DeadLetterSelection {
  /** Dead letters by number (`seq`), at most 10,000. */
  readonly seqs?: readonly number[];
  readonly dataflow?: string;
  /** The operation that failed on them. */
  readonly operation?: string;
  /** Text their reason contains (any case). */
  readonly reason?: string;
  /** Every dead letter: needed when nothing else is given. */
  readonly all?: boolean;
}

/** `POST /api/dead-letters/purge`. */
export interface PurgeResponse {
  /** How many dead letters were deleted. */
  readonly purged: number;
}
