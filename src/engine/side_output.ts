/**
 * The side outputs every graph has: late records and dead letters. Nothing is
 * dropped silently; whoever runs the graph decides where these go.
 *
 * @module
 */
import type { Hlc } from "../base/mod.ts";
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

/** Receivers for the side outputs. */
export interface SideOutputs {
  late(entry: LateRecord): void;
  deadLetter(entry: DeadLetter): void;
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
    late: (e) => lates.push(e),
    deadLetter: (e) => deadLetters.push(e),
  };
}
