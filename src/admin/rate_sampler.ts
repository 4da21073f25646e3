/**
 * Per-operation rates from successive samples of the gateway's counters.
 * Each dataflow keeps its last sample; a new request at least `minIntervalMs`
 * later takes a new one and the rates are the differences over the time
 * between them, so several pages polling at once share one sample clock.
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import type { DataflowStatus } from "../gateway/mod.ts";
import type { OperationCounters, OperationRates, StatsResponse } from "./api_types.ts";

const RATED = ["recordsIn", "recordsOut", "dropped", "late", "deadLettered"] as const;

interface Sample {
  readonly at: number;
  readonly version: number | undefined;
  readonly stats: Readonly<Record<string, OperationCounters>>;
  readonly response: StatsResponse;
}

/** Options for {@linkcode RateSampler}. */
export interface RateSamplerOptions {
  /** Requests closer together than this reuse the last sample. @default 500 */
  readonly minIntervalMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

function rates(
  now: OperationCounters,
  before: OperationCounters | undefined,
  seconds: number,
): OperationRates["perSecond"] {
  const out = { recordsIn: 0, recordsOut: 0, dropped: 0, late: 0, deadLettered: 0 };
  if (before === undefined || seconds <= 0) return out;
  for (const field of RATED) {
    out[field] = Math.max(0, now[field] - before[field]) / seconds;
  }
  return out;
}

/** Computes rates per dataflow from the counters in {@linkcode DataflowStatus}. */
export class RateSampler {
  readonly #last = new Map<string, Sample>();
  readonly #minIntervalMs: number;
  readonly #now: () => number;

  /** A sampler with the given spacing and clock. */
  constructor(options: RateSamplerOptions = {}) {
    this.#minIntervalMs = options.minIntervalMs ?? 500;
    this.#now = options.now ?? Date.now;
  }

  /** The stats of a dataflow with rates since its previous sample. */
  sample(status: DataflowStatus): StatsResponse {
    const at = this.#now();
    const previous = this.#last.get(status.name);
    if (previous !== undefined && at - previous.at < this.#minIntervalMs) {
      return previous.response;
    }
    const version = status.current?.id;
    // A new version starts its counters at zero: rates restart from the next sample.
    const base = previous !== undefined && previous.version === version ? previous : undefined;
    const seconds = base === undefined ? 0 : (at - base.at) / 1000;
    const operations: Record<string, OperationRates> = {};
    // Copies: the gateway's counters may be live objects that keep counting.
    const stats: Record<string, OperationCounters> = {};
    for (const [name, live] of Object.entries(status.stats)) {
      const totals = { ...live };
      stats[name] = totals;
      operations[name] = { totals, perSecond: rates(totals, base?.stats[name], seconds) };
    }
    const response: StatsResponse = {
      dataflow: status.name,
      ...defined({ version }),
      at: new Date(at).toISOString(),
      intervalMs: base === undefined ? 0 : at - base.at,
      operations,
      queued: status.queued,
      ...defined({ sourceLag: status.sourceLag }),
    };
    this.#last.set(status.name, { at, version, stats, response });
    return response;
  }
}
