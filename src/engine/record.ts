/**
 * A record: a data-model value at a logical time. Records travel in batches
 * (plain arrays) so every boundary, the WebAssembly one included, is crossed
 * once per batch rather than once per record.
 *
 * @module
 */
import { compareHlc, type DataModel, type Hlc, HLC_MAX } from "../base/mod.ts";

/** One datum at one logical time. */
export interface Rec {
  readonly time: Hlc;
  readonly data: DataModel;
  /**
   * Which admitted input this record derives from (an admission sequence number the
   * caller assigns). The engine carries it through every operator and reports the
   * lowest one still in flight, so a caller knows when everything derived from an
   * input has left the graph. Absent: not tracked.
   */
  readonly origin?: number;
}

/** The same record with other data (and the same time and origin). */
export function withData(record: Rec, data: DataModel): Rec {
  return record.origin === undefined
    ? { time: record.time, data }
    : { time: record.time, data, origin: record.origin };
}

/** The lowest origin in a batch, or Infinity when none is tracked. */
export function batchMinOrigin(batch: readonly Rec[]): number {
  let min = Infinity;
  for (let i = 0; i < batch.length; i++) {
    const o = batch[i]!.origin;
    if (o !== undefined && o < min) min = o;
  }
  return min;
}

/** The earliest time in a batch, or {@linkcode HLC_MAX} for an empty one. */
export function batchMinTime(batch: readonly Rec[]): Hlc {
  let min = HLC_MAX;
  for (let i = 0; i < batch.length; i++) {
    const t = batch[i]!.time;
    if (compareHlc(t, min) < 0) min = t;
  }
  return min;
}
