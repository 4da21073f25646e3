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
