/**
 * The bounds on wasi-nn work, shared by the gateway configuration, the
 * callers and the inference worker.
 *
 * @module
 */

/** Bounds on models and inference. */
export interface NnLimits {
  /** Largest model a module may load, in bytes (`too-large` beyond). */
  readonly maxModelBytes: number;
  /** Longest a `compute` may take before the caller gets `timeout`, in ms. */
  readonly computeTimeoutMs: number;
  /** Longest a `load` may take (session creation), in ms. */
  readonly loadTimeoutMs: number;
  /** Most model sessions held at once, across all operations. */
  readonly maxSessions: number;
}

/** The defaults: 50 MiB models, 5 s per compute, 60 s per load, 16 sessions. */
export const DEFAULT_NN_LIMITS: NnLimits = {
  maxModelBytes: 50 * 2 ** 20,
  computeTimeoutMs: 5000,
  loadTimeoutMs: 60_000,
  maxSessions: 16,
};

/** Bytes as a short text ("50 MiB", "1.5 KiB", "300 bytes"). */
export function sizeText(bytes: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}
