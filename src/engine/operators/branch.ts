/**
 * branch: `false` sends the record to the edges of arm "False", `true` to
 * arm "True". The record itself is not changed.
 *
 * @module
 */
import type { Behavior, Node } from "../node.ts";
import { type BranchLogic, Failure } from "../operator.ts";
import type { Rec } from "../record.ts";
import { afterWrites, type BehaviorContext, deadLetter, type PendingWrites } from "./context.ts";
import { invoke, then } from "./invoke.ts";

/** The behaviour of a branch operation running `logic`. */
export function branchBehavior(logic: BranchLogic, ctx: BehaviorContext): Behavior {
  const emit = (node: Node, batch: readonly Rec[], results: ReadonlyArray<boolean | Failure>) => {
    const whenFalse: Rec[] = [];
    const whenTrue: Rec[] = [];
    const pending: PendingWrites = [];
    for (let i = 0; i < batch.length; i++) {
      const r = results[i]!;
      if (r === true) whenTrue.push(batch[i]!);
      else if (r === false) whenFalse.push(batch[i]!);
      else if (r instanceof Failure) deadLetter(ctx, node, batch[i]!, r, pending);
      else {
        const reason = `Branch returned "${String(r)}", expected a boolean`;
        deadLetter(ctx, node, batch[i]!, new Failure(reason), pending);
      }
    }
    return afterWrites(
      pending,
      then(
        node.send(node.edges("False"), whenFalse),
        () => node.send(node.edges("True"), whenTrue),
      ),
    );
  };
  return {
    process: (node, batch) =>
      then(invoke(batch, (b) => logic.process(b)), (r) => emit(node, batch, r)),
  };
}
