/**
 * The shape of a CLI command: a name path, a one-line summary, and a runner
 * that returns the process exit code.
 *
 * @module
 */
import type { Output } from "./output.ts";

/** One CLI command, such as `graph validate`. */
export interface Command {
  /** The words that select it, e.g. `["graph", "validate"]`. */
  readonly path: readonly string[];
  /** Shown in the help text. */
  readonly usage: string;
  readonly summary: string;
  /** Runs it with the arguments after the path; resolves to the exit code. */
  run(args: string[], output: Output): Promise<number>;
}
