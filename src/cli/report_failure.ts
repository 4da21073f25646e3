/**
 * How every command reports an error: a configuration's or a graph's issues
 * one per line (`file:line:col: …`), any other of Weir's errors as one line
 * `weir <command>: <message> [<code>]` (`<file>: …` where a command checks
 * files one by one), and the exit code from the error's code (base's one
 * table). Errors that are not Weir's are thrown on: they are bugs, and their
 * stack trace is the useful report.
 *
 * @module
 */
import { exitCodeOf, WeirError } from "../base/mod.ts";
import { ConfigError, formatConfigIssue } from "../config/mod.ts";
import { formatIssue, GraphValidationError } from "../graph/mod.ts";
import type { Output } from "./output.ts";

/** A message as one line: names from hostile input may hold newlines or escapes. */
export function oneLine(message: string): string {
  return message.replace(/\p{Cc}/gu, (c) => JSON.stringify(c).slice(1, -1));
}

/** A configuration's or a graph's issues, one line each (`file:line:col: …`); else undefined. */
function issueLines(error: unknown): string[] | undefined {
  if (error instanceof ConfigError && error.issues.length > 0) {
    return error.issues.map(formatConfigIssue);
  }
  if (error instanceof GraphValidationError) return error.issues.map(formatIssue);
  return undefined;
}

/**
 * Prints `error` for `command` and returns the exit code. `tag` replaces the
 * `[code]` suffix (e.g. an OCI failure's finer reason); `hint` is appended to
 * the message.
 */
export function reportFailure(
  command: string,
  error: unknown,
  output: Output,
  options: { readonly tag?: string; readonly hint?: string } = {},
): number {
  const issues = issueLines(error);
  if (issues !== undefined) {
    issues.forEach((line) => output.err(line));
    return exitCodeOf(error);
  }
  if (error instanceof WeirError) {
    const message = error instanceof ConfigError ? error.message : oneLine(error.message);
    output.err(`weir ${command}: ${message}${options.hint ?? ""} [${options.tag ?? error.code}]`);
    return exitCodeOf(error);
  }
  throw error;
}

/**
 * What is wrong with one file a command checks, as lines: its issues, or
 * `<file>: <message> [<code>]`. Errors that are not Weir's are thrown on.
 */
export function fileProblems(file: string, error: unknown): string[] {
  const issues = issueLines(error);
  if (issues !== undefined) return issues;
  if (error instanceof WeirError) return [`${file}: ${error.message} [${error.code}]`];
  throw error;
}
