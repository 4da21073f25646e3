/**
 * branch: `false` sends the record to the edges of arm "False", `true` to
 * arm "True". The record itself is not changed.
 *
 * @module
 */
import type { Behavior, Node } from "../node.ts";
import { type BranchLogic, Failure } from "../operator.ts";
import type { Rec } from "../record.ts";
import { afterWrites, type BehaviorContext, eachOutcome } from "./context.ts";
import { invoke, then } from "./invoke.ts";

/** The behaviour of a branch operation running `logic`. */
export function branchBehavior(logic: BranchLogic, ctx: BehaviorContext): Behavior {
  const emit = (node: Node, batch: readonly Rec[], results: ReadonlyArray<boolean | Failure>) => {
    const whenFalse: Rec[] = [];
    const whenTrue: Rec[] = [];
    const pending = eachOutcome(ctx, node, batch, results, (record, arm) => {
      if (arm === true) whenTrue.push(record);
      else if (arm === false) whenFalse.push(record);
      else return new Failure(`Branch returned "${String(arm)}", expected a boolean`);
    });
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
