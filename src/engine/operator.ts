/**
 * The one contract between the engine and operator code. Every operator takes
 * a batch and answers with one outcome per input (per group for accumulate),
 * so TypeScript test operators and WebAssembly modules plug in the same way.
 * A {@linkcode Failure} in place of an outcome sends that record to the
 * dead-letter output; a throw fails the whole batch, which the engine then
 * retries record by record to find the culprit.
 *
 * @module
 */
import type { DataModel, Hlc } from "../base/mod.ts";
import type { Rec } from "./record.ts";

/** An outcome that says "this record failed", with the reason. */
export class Failure {
  /** Why the record failed. */
  readonly reason: string;
  /** Makes a failure with a sentence-case reason. */
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** A value or a promise of it: sync operators skip the microtask hop. */
export type MaybePromise<T> = T | Promise<T>;

/** The records of one logical time that an accumulate folds into its staged value. */
export interface AccumulateGroup {
  readonly time: Hlc;
  readonly staged: DataModel;
  readonly inputs: readonly DataModel[];
}

/** An operator that answers each record of a batch with one `T` (or a failure), in order. */
export interface RecordLogic<K extends string, T> {
  readonly kind: K;
  process(batch: readonly Rec[]): MaybePromise<ReadonlyArray<T | Failure>>;
}

/** map: a new value per record, same logical time. */
export type MapLogic = RecordLogic<"map", DataModel>;

/** filter: `true` keeps the record unchanged. */
export type FilterLogic = RecordLogic<"filter", boolean>;

/** branch: `false` goes to arm "False", `true` to arm "True". */
export type BranchLogic = RecordLogic<"branch", boolean>;

/** delay: the new logical time of each record; it must not be earlier. */
export type DelayLogic = RecordLogic<"delay", Hlc>;

/** accumulate: the new staged value of each group. */
export interface AccumulateLogic {
  readonly kind: "accumulate";
  process(groups: readonly AccumulateGroup[]): MaybePromise<ReadonlyArray<DataModel | Failure>>;
}

/** Any operator the engine can run. `close` releases its resources. */
export type OperatorLogic =
  & (
    | MapLogic
    | FilterLogic
    | BranchLogic
    | DelayLogic
    | AccumulateLogic
  )
  & { close?(): MaybePromise<void> };

/** The operation kinds that run operator code. */
export type LogicKind = OperatorLogic["kind"];

/** Where a graph's sink hands its records. Awaiting `write` is the back-pressure. */
export interface SinkWriter {
  write(batch: readonly Rec[]): MaybePromise<void>;
  /**
   * Told when the sink's frontier moves: every record earlier than `frontier`
   * has been written, so every input earlier than it is fully handled (its
   * outputs written, or filtered, dead-lettered or late). Used to acknowledge
   * source messages only once nothing derived from them is still in flight.
   */
  progress?(frontier: Hlc): void;
  close?(): MaybePromise<void>;
}
