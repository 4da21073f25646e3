/**
 * Ordered merging for operations with several inputs (concatenate, and a sink
 * fed by several edges): records are held until the frontier has passed
 * their time, then released ordered by (time, input, arrival). Every record
 * of a time is in before any of it leaves, so the order is the same on every
 * run however the upstream arms were scheduled. It costs latency (records
 * wait for the frontier), so live graphs may use the plain merge instead.
 *
 * @module
 */
import { compareHlc, HLC_MAX } from "../../base/mod.ts";
import { MinHeap } from "../heap.ts";
import type { Behavior, Node } from "../node.ts";
import type { MaybePromise } from "../operator.ts";
import type { Rec } from "../record.ts";
import { then } from "./invoke.ts";

interface Held {
  readonly record: Rec;
  readonly input: number;
  readonly seq: number;
}

/** Holds records and hands the ordered ones to `release` once complete. */
export function orderedMergeBehavior(
  release: (node: Node, records: Rec[]) => MaybePromise<void> | undefined,
): Behavior {
  const held = new MinHeap<Held>((a, b) =>
    compareHlc(a.record.time, b.record.time) || a.input - b.input || a.seq - b.seq
  );
  let seq = 0;
  return {
    process(_node, batch, input) {
      for (const record of batch) held.push({ record, input, seq: seq++ });
      return undefined;
    },
    advance(node, frontier) {
      const ready: Rec[] = [];
      while (held.size > 0 && compareHlc(held.peek()!.record.time, frontier) < 0) {
        ready.push(held.pop()!.record);
      }
      const next = () => held.peek()?.record.time ?? HLC_MAX;
      return ready.length === 0 ? next() : then(release(node, ready), next);
    },
  };
}
