/**
 * The shape of a CLI command: a name path, a one-line summary, what its
 * flags mean, and a runner that returns the process exit code.
 *
 * @module
 */
import type { Output } from "./output.ts";

/** One flag or argument in a command's help. */
export interface FlagHelp {
  /** As typed, with its value: `--config <gateway.yaml>`. */
  readonly flag: string;
  /** What it does, and its default. */
  readonly text: string;
}

/** One CLI command, such as `graph validate`. */
export interface Command {
  /** The words that select it, e.g. `["graph", "validate"]`. */
  readonly path: readonly string[];
  /** Shown in the help text. */
  readonly usage: string;
  readonly summary: string;
  /** Its arguments and flags, for `weir <command> --help`. */
  readonly flags: readonly FlagHelp[];
  /** Lines after the flags: examples, exit codes. */
  readonly notes?: readonly string[];
  /** Runs it with the arguments after the path; resolves to the exit code. */
  run(args: string[], output: Output): Promise<number>;
}
