/**
 * accumulate: one staged value per logical time. Each batch's records at time
 * t are folded into t's staged value (the first fold starts from an empty
 * message at t); when the frontier passes t the staged value is emitted once,
 * at t, and forgotten. A record at a time already emitted is late.
 *
 * @module
 */
import {
  compareHlc,
  type DataModel,
  emptyMessage,
  type Hlc,
  HLC_MAX,
  HLC_MIN,
  maxHlc,
} from "../../base/mod.ts";
import { MinHeap } from "../heap.ts";
import type { Behavior, Node } from "../node.ts";
import { type AccumulateGroup, type AccumulateLogic, Failure } from "../operator.ts";
import { batchMinOrigin, type Rec } from "../record.ts";
import { afterWrites, type BehaviorContext, deadLetter, type PendingWrites } from "./context.ts";
import { invoke, then } from "./invoke.ts";

interface Staged {
  readonly time: Hlc;
  value: DataModel;
  /** The lowest origin folded in (Infinity when none is tracked). */
  origin: number;
}

/** The most records of one time folded in one operator call. */
const CHUNK = 1024;

function keyOf(t: Hlc): string {
  return `${t.ms}:${t.counter}:${t.node}`;
}

/** The behaviour of an accumulate operation running `logic`. */
export function accumulateBehavior(logic: AccumulateLogic, ctx: BehaviorContext): Behavior {
  const staged = new Map<string, Staged>();
  const order = new MinHeap<Staged>((a, b) => compareHlc(a.time, b.time));
  let closedBefore = HLC_MIN;

  /** Groups a batch by time; records at a time already emitted are late. */
  const group = (node: Node, batch: readonly Rec[], pending: PendingWrites) => {
    const groups = new Map<string, { time: Hlc; records: Rec[] }>();
    for (const record of batch) {
      if (compareHlc(record.time, closedBefore) < 0) {
        node.stats.late++;
        const w = ctx.side.late({ operation: node.name, record, frontier: closedBefore });
        if (w instanceof Promise) pending.push(w);
        continue;
      }
      const key = keyOf(record.time);
      const g = groups.get(key);
      if (g) g.records.push(record);
      else groups.set(key, { time: record.time, records: [record] });
    }
    return [...groups.values()];
  };

  const store = (
    node: Node,
    list: ReadonlyArray<{ time: Hlc; records: Rec[] }>,
    results: ReadonlyArray<DataModel | Failure>,
    pending: PendingWrites,
  ) => {
    for (let i = 0; i < list.length; i++) {
      const r = results[i]!;
      const g = list[i]!;
      if (r instanceof Failure) {
        for (const record of g.records) deadLetter(ctx, node, record, r, pending);
        continue;
      }
      const key = keyOf(g.time);
      const entry = staged.get(key);
      const origin = batchMinOrigin(g.records);
      if (entry) {
        entry.value = r;
        entry.origin = Math.min(entry.origin, origin);
      } else {
        const fresh = { time: g.time, value: r, origin };
        staged.set(key, fresh);
        order.push(fresh);
      }
    }
    return afterWrites(pending, undefined);
  };

  /**
   * Folds each group's records into its staged value, at most CHUNK records
   * per call: a whole window arriving at once is folded in a few calls rather
   * than one call too big for the operator's deadline. Chunks of one time go
   * in order, each starting from the value the last one returned.
   */
  const fold = (
    node: Node,
    list: ReadonlyArray<{ time: Hlc; records: Rec[] }>,
    offset: number,
    pending: PendingWrites,
  ): Promise<void> | undefined => {
    const round = list
      .filter((g) => g.records.length > offset)
      .map((g) => ({ time: g.time, records: g.records.slice(offset, offset + CHUNK) }));
    if (round.length === 0) return afterWrites(pending, undefined);
    const calls: AccumulateGroup[] = round.map((g) => ({
      time: g.time,
      staged: staged.get(keyOf(g.time))?.value ?? emptyMessage(g.time),
      inputs: g.records.map((r) => r.data),
    }));
    return then(invoke(calls, (c) => logic.process(c)), (r) => {
      store(node, round, r, pending);
      return fold(node, list, offset + CHUNK, pending);
    }) as Promise<void> | undefined;
  };

  return {
    process(node, batch) {
      const pending: PendingWrites = [];
      const list = group(node, batch, pending);
      if (list.length === 0) return afterWrites(pending, undefined);
      return fold(node, list, 0, pending);
    },
    advance(node, frontier) {
      const ready: Rec[] = [];
      while (order.size > 0 && compareHlc(order.peek()!.time, frontier) < 0) {
        const entry = order.pop()!;
        staged.delete(keyOf(entry.time));
        ready.push(
          entry.origin === Infinity
            ? { time: entry.time, data: entry.value }
            : { time: entry.time, data: entry.value, origin: entry.origin },
        );
      }
      closedBefore = maxHlc(closedBefore, frontier);
      return then(node.send(node.edges(), ready), () => order.peek()?.time ?? HLC_MAX);
    },
  };
}
