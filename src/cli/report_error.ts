/**
 * How a command that talks to a gateway or reads a configuration ends on an
 * error: one line (a configuration's issues one per line) and an exit code,
 * 2 for a usage problem, else 1.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import { ConfigError, formatConfigIssue } from "../config/mod.ts";
import type { Output } from "./output.ts";

/** Prints `error` for `weir <command>` and returns the exit code; others' errors are thrown on. */
export function reportError(command: string, error: unknown, output: Output): number {
  if (error instanceof ConfigError) {
    error.issues.forEach((issue) => output.err(formatConfigIssue(issue)));
    if (error.issues.length === 0) output.err(`weir ${command}: ${error.message}`);
    return 1;
  }
  if (error instanceof WeirError) {
    output.err(`weir ${command}: ${error.message} [${error.code}]`);
    return error.code === "usage" ? 2 : 1;
  }
  throw error;
}
