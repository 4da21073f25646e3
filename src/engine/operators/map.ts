/**
 * map: each record becomes the value the operator returns, at the same time.
 *
 * @module
 */
import type { DataModel } from "../../base/mod.ts";
import type { Behavior, Node } from "../node.ts";
import { Failure, type MapLogic } from "../operator.ts";
import { type Rec, withData } from "../record.ts";
import { afterWrites, type BehaviorContext, deadLetter, type PendingWrites } from "./context.ts";
import { invoke, then } from "./invoke.ts";

/** The behaviour of a map operation running `logic`. */
export function mapBehavior(logic: MapLogic, ctx: BehaviorContext): Behavior {
  const emit = (node: Node, batch: readonly Rec[], results: ReadonlyArray<DataModel | Failure>) => {
    const out: Rec[] = [];
    const pending: PendingWrites = [];
    for (let i = 0; i < batch.length; i++) {
      const r = results[i]!;
      if (r instanceof Failure) deadLetter(ctx, node, batch[i]!, r, pending);
      else out.push(withData(batch[i]!, r));
    }
    return afterWrites(pending, node.send(node.edges(), out));
  };
  return {
    process: (node, batch) =>
      then(invoke(batch, (b) => logic.process(b)), (r) => emit(node, batch, r)),
  };
}
