/**
 * delay: the operator gives each record a new logical time, which must not be
 * earlier than its old one in wall-clock time. Within the same millisecond a
 * lower counter is taken as it is: AIO's window module resets the counter to
 * 0 at a window's end, so a record stamped exactly on a boundary would
 * otherwise be refused. The record is held until the input frontier
 * reaches the new time, then sent on at that time; so records leave a delay
 * in time order and a window's records arrive together downstream.
 *
 * @module
 */
import { compareHlc, formatHlc, type Hlc, HLC_MAX } from "../../base/mod.ts";
import { MinHeap } from "../heap.ts";
import type { Behavior, Node } from "../node.ts";
import { type DelayLogic, Failure } from "../operator.ts";
import type { Rec } from "../record.ts";
import { afterWrites, type BehaviorContext, eachOutcome } from "./context.ts";
import { invoke, then } from "./invoke.ts";

interface Held {
  readonly record: Rec;
  /** Arrival order, so records of equal time leave in the order they came. */
  readonly seq: number;
}

function isHlc(value: unknown): value is Hlc {
  return typeof value === "object" && value !== null && "ms" in value && "counter" in value;
}

/** The behaviour of a delay operation running `logic`. */
export function delayBehavior(logic: DelayLogic, ctx: BehaviorContext): Behavior {
  const held = new MinHeap<Held>((a, b) =>
    compareHlc(a.record.time, b.record.time) || a.seq - b.seq
  );
  let seq = 0;
  const hold = (node: Node, batch: readonly Rec[], results: ReadonlyArray<Hlc | Failure>) => {
    const pending = eachOutcome(ctx, node, batch, results, (record, r) => {
      if (!isHlc(r)) return new Failure(`Delay returned "${String(r)}", expected an HLC`);
      if (r.ms < record.time.ms) {
        return new Failure(
          `Delay moved the record back in time from "${formatHlc(record.time)}" to "${
            formatHlc(r)
          }"; the new time must not be earlier`,
        );
      }
      const moved = record.origin === undefined
        ? { time: r, data: record.data }
        : { time: r, data: record.data, origin: record.origin };
      held.push({ record: moved, seq: seq++ });
    });
    return afterWrites(pending, undefined);
  };
  return {
    process: (node, batch) =>
      then(invoke(batch, (b) => logic.process(b)), (r) => hold(node, batch, r)),
    advance(node, frontier) {
      const ready: Rec[] = [];
      while (held.size > 0 && compareHlc(held.peek()!.record.time, frontier) <= 0) {
        ready.push(held.pop()!.record);
      }
      const next = () => held.peek()?.record.time ?? HLC_MAX;
      return then(node.send(node.edges(), ready), next);
    },
  };
}
