/**
 * sink: hands batches to the graph's destination. Awaiting the writer is
 * what slows the source when the destination is slow.
 *
 * @module
 */
import { HLC_MAX } from "../../base/mod.ts";
import type { Behavior } from "../node.ts";
import type { SinkWriter } from "../operator.ts";

/** The behaviour of a sink writing to `writer`. */
export function sinkBehavior(writer: SinkWriter): Behavior {
  return {
    process(node, batch) {
      node.stats.recordsOut += batch.length;
      const r = writer.write(batch);
      return r instanceof Promise ? r : undefined;
    },
    advance(_node, frontier) {
      // The queue is drained before a node advances: everything before `frontier` is written.
      writer.progress?.(frontier);
      return HLC_MAX;
    },
  };
}
