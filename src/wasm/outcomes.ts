/**
 * Turns "run these items, get one outcome each" into the engine's typed
 * operator contract for each kind.
 *
 * @module
 */
import type {
  AccumulateGroup,
  LogicKind,
  MaybePromise,
  OperatorLogic,
  Rec,
} from "../engine/mod.ts";
import type { Outcome } from "./operator_core.ts";

/** Runs a batch (records, or groups for accumulate). */
export type RunItems = (
  items: readonly Rec[] | readonly AccumulateGroup[],
) => MaybePromise<Outcome[]>;

/** The engine-facing operator of `kind` backed by `run`. */
export function asLogic(
  kind: LogicKind,
  run: RunItems,
  close: () => MaybePromise<void>,
): OperatorLogic {
  // The outcomes' runtime types match the kind: the core lifts them per kind.
  // deno-lint-ignore no-explicit-any
  const process = run as any;
  return { kind, process, close } as OperatorLogic;
}
