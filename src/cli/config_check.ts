/**
 * `weir config check <gateway.yaml>...`: loads each gateway configuration
 * and the graph files its dataflows name, as `weir start` would, and prints
 * `ok <file>` or every problem as `file:line:col: …`. The service runs it
 * before each start, so a bad edit shows up in the journal as the reason the
 * start failed.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import { ConfigError, formatConfigIssue, loadConfigFile } from "../config/mod.ts";
import { formatIssue, GraphValidationError, loadGraphFile } from "../graph/mod.ts";
import type { Command } from "./command.ts";
import type { Output } from "./output.ts";

const USAGE = "config check <gateway.yaml>...";

/** Exit codes: 0 when every file is valid, 1 when any is invalid or unreadable, 2 on usage errors. */
export const configCheckCommand: Command = {
  path: ["config", "check"],
  usage: USAGE,
  summary: "Check gateway configuration files and their graph files; print every problem",
  run: runConfigCheck,
};

/** Every problem of one configuration file, as printable lines; empty when it is valid. */
async function problemsOf(file: string): Promise<string[]> {
  let config;
  try {
    config = await loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.issues.length > 0
        ? error.issues.map(formatConfigIssue)
        : [`${file}: ${error.message} [${error.code}]`];
    }
    throw error;
  }
  const problems: string[] = [];
  const graphFiles = new Set<string>();
  for (const flow of Object.values(config.dataflows)) {
    if (flow.graph?.file !== undefined) graphFiles.add(flow.graph.file);
  }
  for (const graphFile of graphFiles) {
    try {
      await loadGraphFile(graphFile);
    } catch (error) {
      if (error instanceof GraphValidationError) problems.push(...error.issues.map(formatIssue));
      else if (error instanceof WeirError) {
        problems.push(`${graphFile}: ${error.message} [${error.code}]`);
      } else throw error;
    }
  }
  return problems;
}

async function runConfigCheck(args: string[], output: Output): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    output.out(`Usage: weir ${USAGE}`);
    output.out(configCheckCommand.summary);
    return 0;
  }
  const files = args[0] === "--" ? args.slice(1) : args;
  const option = files === args ? files.find((a) => a.startsWith("-")) : undefined;
  if (option !== undefined || files.length === 0) {
    output.err(
      option === undefined
        ? "weir config check: no files given"
        : `weir config check: unknown option "${option}"`,
    );
    output.err(`Usage: weir ${USAGE}`);
    return 2;
  }
  let failed = false;
  for (const file of files) {
    const problems = await problemsOf(file);
    if (problems.length === 0) output.out(`ok ${file}`);
    else {
      problems.forEach((p) => output.err(p));
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
