/**
 * The shape of a CLI command: a name path, a one-line summary, what its
 * flags mean, and a runner that returns the process exit code; and the one
 * way every command parses its arguments, says a usage error and reports a
 * failure ({@linkcode defineCommand}).
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { Output } from "./output.ts";
import { reportFailure } from "./report_failure.ts";

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

/** A usage error: each problem on standard error, then the usage line; the exit code, 2. */
export function usageError(
  words: CommandWords,
  problems: string | readonly string[],
  output: Output,
): number {
  for (const problem of [problems].flat()) output.err(`weir ${words.name}: ${problem}`);
  output.err(`Usage: weir ${words.usage}`);
  return 2;
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
    usageError(words, (error as Error).message, output);
    return undefined;
  }
}

/**
 * The files a checking command is given: its arguments, or those after a
 * leading `--`. None, or one that looks like an option (a lone `-` is a file
 * name), is a usage error said with the usage line, and gives undefined.
 */
export function fileArguments(
  args: string[],
  words: CommandWords,
  output: Output,
): string[] | undefined {
  const files = args[0] === "--" ? args.slice(1) : args;
  const option = files === args ? files.find((a) => a.startsWith("-") && a !== "-") : undefined;
  if (option === undefined && files.length > 0) return files;
  usageError(words, option === undefined ? "no files given" : `unknown option "${option}"`, output);
  return undefined;
}

/** A command as declared: what its help shows, its flags, and what it does with them. */
export interface CommandSpec<O extends ParseArgsOptionsConfig> extends Omit<Command, "run"> {
  /** Its flags, as `parseArgs` takes them. */
  readonly options: O;
  /** Whether it takes arguments besides flags. @default true */
  readonly positionals?: boolean;
  /** What is wrong with the parsed arguments (a usage error), if anything. */
  problems?(parsed: ParsedArgs<O>): string | readonly string[] | undefined;
  /** Does the work; resolves to the exit code, or to nothing for 0. */
  run(parsed: ParsedArgs<O>, output: Output): Promise<number | void>;
  /** How an error the work throws is reported. @default reportFailure under the command's name */
  report?(error: unknown, parsed: ParsedArgs<O>, output: Output): number;
}

/**
 * A command from its declaration. It parses its arguments, says a usage
 * error with the usage line (exit 2), prints the usage line for `--help`,
 * does the work, and reports what that throws as one line with the exit
 * code the error's code gives.
 */
export function defineCommand<const O extends ParseArgsOptionsConfig>(
  spec: CommandSpec<O>,
): Command {
  const { options, positionals, problems, run, report, ...command } = spec;
  const words: CommandWords = {
    name: spec.path.join(" "),
    usage: spec.usage,
    ...(positionals === undefined ? {} : { positionals }),
  };
  return {
    ...command,
    run: async (args, output) => {
      const parsed = parseCommandArgs(args, options, words, output);
      if (parsed === undefined) return 2;
      if ((parsed.values as { help?: unknown }).help === true) {
        output.out(`Usage: weir ${words.usage}`);
        return 0;
      }
      const found = problems?.(parsed);
      if (found !== undefined && found.length > 0) return usageError(words, found, output);
      try {
        return await run(parsed, output) ?? 0;
      } catch (error) {
        return report !== undefined
          ? report(error, parsed, output)
          : reportFailure(words.name, error, output);
      }
    },
  };
}
