/**
 * What every behaviour may reach besides its node: the side outputs. A side
 * write may be a promise (the destination waits for room); a behaviour
 * gathers them and its batch is done only once they are too, so a dead letter
 * is stored before anything that counts on it moves on.
 *
 * @module
 */
import type { Node } from "../node.ts";
import { Failure, type MaybePromise } from "../operator.ts";
import type { Rec } from "../record.ts";
import type { SideOutputs } from "../side_output.ts";

/** Shared by the behaviours of one graph. */
export interface BehaviorContext {
  readonly side: SideOutputs;
}

/** Side writes of one batch still under way. */
export type PendingWrites = Promise<void>[];

/** Sends a failed record to the dead-letter output and counts it; a wait joins `pending`. */
export function deadLetter(
  ctx: BehaviorContext,
  node: Node,
  record: Rec,
  failure: Failure,
  pending: PendingWrites,
): void {
  node.stats.deadLettered++;
  const w = ctx.side.deadLetter({ operation: node.name, record, reason: failure.reason });
  if (w instanceof Promise) pending.push(w);
}

/**
 * Hands each record's outcome to `accept`, in order. A Failure, or one `accept` returns for
 * an answer it cannot take, sends the record to the dead-letter output instead; the side
 * writes still under way are returned.
 */
export function eachOutcome<R>(
  ctx: BehaviorContext,
  node: Node,
  batch: readonly Rec[],
  results: ReadonlyArray<R | Failure>,
  accept: (record: Rec, result: R) => Failure | void,
): PendingWrites {
  const pending: PendingWrites = [];
  for (let i = 0; i < batch.length; i++) {
    const record = batch[i]!;
    const r = results[i]!;
    const failure = r instanceof Failure ? r : accept(record, r as R);
    if (failure !== undefined) deadLetter(ctx, node, record, failure, pending);
  }
  return pending;
}

/** `result`, once every pending side write is done too; synchronous when nothing waits. */
export function afterWrites(
  pending: PendingWrites,
  result: MaybePromise<void> | undefined,
): Promise<void> | undefined {
  if (pending.length === 0) return result instanceof Promise ? result : undefined;
  if (result instanceof Promise) pending.push(result);
  return Promise.all(pending).then(() => {});
}
