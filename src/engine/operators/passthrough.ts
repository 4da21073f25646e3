/**
 * source and concatenate: records pass unchanged at their times. A
 * concatenate merges its inputs simply by having several input edges; its
 * frontier is the minimum of theirs.
 *
 * @module
 */
import type { Behavior } from "../node.ts";

/** Forwards every batch to every output edge. */
export const passthroughBehavior: Behavior = {
  process: (node, batch) => node.send(node.edges(), batch),
};
