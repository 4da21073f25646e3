/**
 * filter: a record goes on unchanged when the operator says `true`.
 *
 * @module
 */
import type { Behavior, Node } from "../node.ts";
import { Failure, type FilterLogic } from "../operator.ts";
import type { Rec } from "../record.ts";
import { afterWrites, type BehaviorContext, deadLetter, type PendingWrites } from "./context.ts";
import { invoke, then } from "./invoke.ts";

/** The behaviour of a filter operation running `logic`. */
export function filterBehavior(logic: FilterLogic, ctx: BehaviorContext): Behavior {
  const emit = (node: Node, batch: readonly Rec[], results: ReadonlyArray<boolean | Failure>) => {
    const out: Rec[] = [];
    const pending: PendingWrites = [];
    for (let i = 0; i < batch.length; i++) {
      const r = results[i]!;
      if (r === true) out.push(batch[i]!);
      else if (r === false) node.stats.dropped++;
      else if (r instanceof Failure) deadLetter(ctx, node, batch[i]!, r, pending);
      else {
        const reason = `Filter returned "${String(r)}", expected a boolean`;
        deadLetter(ctx, node, batch[i]!, new Failure(reason), pending);
      }
    }
    return afterWrites(pending, node.send(node.edges(), out));
  };
  return {
    process: (node, batch) =>
      then(invoke(batch, (b) => logic.process(b)), (r) => emit(node, batch, r)),
  };
}
