/**
 * What every behaviour may reach besides its node: the side outputs.
 *
 * @module
 */
import type { Node } from "../node.ts";
import type { Failure } from "../operator.ts";
import type { Rec } from "../record.ts";
import type { SideOutputs } from "../side_output.ts";

/** Shared by the behaviours of one graph. */
export interface BehaviorContext {
  readonly side: SideOutputs;
}

/** Sends a failed record to the dead-letter output and counts it. */
export function deadLetter(ctx: BehaviorContext, node: Node, record: Rec, failure: Failure): void {
  node.stats.deadLettered++;
  ctx.side.deadLetter({ operation: node.name, record, reason: failure.reason });
}
