/**
 * filter: a record goes on unchanged when the operator says `true`.
 *
 * @module
 */
import type { Behavior, Node } from "../node.ts";
import { Failure, type FilterLogic } from "../operator.ts";
import type { Rec } from "../record.ts";
import { afterWrites, type BehaviorContext, eachOutcome } from "./context.ts";
import { invoke, then } from "./invoke.ts";

/** The behaviour of a filter operation running `logic`. */
export function filterBehavior(logic: FilterLogic, ctx: BehaviorContext): Behavior {
  const emit = (node: Node, batch: readonly Rec[], results: ReadonlyArray<boolean | Failure>) => {
    const out: Rec[] = [];
    const pending = eachOutcome(ctx, node, batch, results, (record, keep) => {
      if (keep === true) out.push(record);
      else if (keep === false) node.stats.dropped++;
      else return new Failure(`Filter returned "${String(keep)}", expected a boolean`);
    });
    return afterWrites(pending, node.send(node.edges(), out));
  };
  return {
    process: (node, batch) =>
      then(invoke(batch, (b) => logic.process(b)), (r) => emit(node, batch, r)),
  };
}
