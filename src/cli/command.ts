/**
 * The shape of a CLI command: a name path, a one-line summary, what its
 * flags mean, and a runner that returns the process exit code.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
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

/** A command's parsed arguments: flags by name, and the positionals. */
export type ParsedArgs<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>
>;

/** How a command names itself in a usage error. */
export interface CommandWords {
  /** After `weir `, e.g. `graph test`. */
  readonly name: string;
  /** The usage line after `Usage: weir `. */
  readonly usage: string;
  /** Whether it takes arguments besides flags. @default true */
  readonly positionals?: boolean;
}

/**
 * Parses a command's arguments. A usage error (an unknown flag, a missing
 * value) is said on standard error with the usage line, and gives undefined:
 * the command then exits with 2.
 */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  words: CommandWords,
  output: Output,
): ParsedArgs<O> | undefined {
  try {
    return parseArgs({ args, options, allowPositionals: words.positionals ?? true });
  } catch (error) {
    output.err(`weir ${words.name}: ${(error as Error).message}`);
    output.err(`Usage: weir ${words.usage}`);
    return undefined;
  }
}
