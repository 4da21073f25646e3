/**
 * The side outputs every graph has: late records and dead letters. Nothing is
 * dropped silently; whoever runs the graph decides where these go.
 *
 * @module
 */
import type { Hlc } from "../base/mod.ts";
import type { MaybePromise } from "./operator.ts";
import type { Rec } from "./record.ts";

/** A record that arrived behind the frontier of the operation it reached. */
export interface LateRecord {
  readonly operation: string;
  readonly record: Rec;
  /** The frontier it was behind. */
  readonly frontier: Hlc;
}

/** A record an operator failed on, with the reason. */
export interface DeadLetter {
  readonly operation: string;
  readonly record: Rec;
  readonly reason: string;
}

/**
 * Receivers for the side outputs. A promise means "stored once it settles";
 * the batch that produced the entry is not done before.
 */
export interface SideOutputs {
  late(entry: LateRecord): MaybePromise<void>;
  deadLetter(entry: DeadLetter): MaybePromise<void>;
}

/** Side outputs that keep everything in memory; for tests and the offline runner. */
export function collectingSideOutputs(): SideOutputs & {
  lates: LateRecord[];
  deadLetters: DeadLetter[];
} {
  const lates: LateRecord[] = [];
  const deadLetters: DeadLetter[] = [];
  return {
    lates,
    deadLetters,
    late: (e) => void lates.push(e),
    deadLetter: (e) => void deadLetters.push(e),
  };
}
