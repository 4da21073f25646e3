/**
 * Per-operation counters. Plain numbers on the hot path; the telemetry layer
 * reads them when it exports.
 *
 * @module
 */

/** What one operation has seen. */
export interface OperationStats {
  /** Records that entered it. */
  recordsIn: number;
  /** Records it emitted. */
  recordsOut: number;
  /** Records a filter dropped on purpose. */
  dropped: number;
  /** Records that arrived behind the frontier. */
  late: number;
  /** Records that failed and went to the dead-letter output. */
  deadLettered: number;
  /** Operator calls (batches). */
  batches: number;
}

/** Fresh zeroed counters. */
export function emptyStats(): OperationStats {
  return { recordsIn: 0, recordsOut: 0, dropped: 0, late: 0, deadLettered: 0, batches: 0 };
}
