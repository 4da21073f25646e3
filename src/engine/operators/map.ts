/**
 * map: each record becomes the value the operator returns, at the same time.
 *
 * @module
 */
import type { DataModel } from "../../base/mod.ts";
import type { Behavior, Node } from "../node.ts";
import type { Failure, MapLogic } from "../operator.ts";
import { type Rec, withData } from "../record.ts";
import { afterWrites, type BehaviorContext, eachOutcome } from "./context.ts";
import { invoke, then } from "./invoke.ts";

/** The behaviour of a map operation running `logic`. */
export function mapBehavior(logic: MapLogic, ctx: BehaviorContext): Behavior {
  const emit = (node: Node, batch: readonly Rec[], results: ReadonlyArray<DataModel | Failure>) => {
    const out: Rec[] = [];
    const pending = eachOutcome(ctx, node, batch, results, (record, value) => {
      out.push(withData(record, value));
    });
    return afterWrites(pending, node.send(node.edges(), out));
  };
  return {
    process: (node, batch) =>
      then(invoke(batch, (b) => logic.process(b)), (r) => emit(node, batch, r)),
  };
}
