/**
 * branch: `false` sends the record to the edges of arm "False", `true` to
 * arm "True". The record itself is not changed.
 *
 * @module
 */
import type { Behavior } from "../node.ts";
import { type BranchLogic, Failure } from "../operator.ts";
import type { Rec } from "../record.ts";
import { type BehaviorContext, deadLetter } from "./context.ts";
import { invoke } from "./invoke.ts";

/** The behaviour of a branch operation running `logic`. */
export function branchBehavior(logic: BranchLogic, ctx: BehaviorContext): Behavior {
  return {
    async process(node, batch) {
      const results = await invoke(batch, (b) => logic.process(b));
      const whenFalse: Rec[] = [];
      const whenTrue: Rec[] = [];
      for (let i = 0; i < batch.length; i++) {
        const r = results[i]!;
        if (r === true) whenTrue.push(batch[i]!);
        else if (r === false) whenFalse.push(batch[i]!);
        else if (r instanceof Failure) deadLetter(ctx, node, batch[i]!, r);
        else deadLetter(ctx, node, batch[i]!, new Failure(`Branch returned "${String(r)}", expected a boolean`));
      }
      await node.send(node.edges("False"), whenFalse);
      await node.send(node.edges("True"), whenTrue);
    },
  };
}
