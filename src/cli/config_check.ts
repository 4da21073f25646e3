/**
 * `weir config check <gateway.yaml>...`: loads each gateway configuration
 * and the graph files its dataflows name, as `weir start` would, without
 * starting anything, and prints `ok <file> (N dataflows)` or every problem as
 * `file:line:col: …`. The service runs it before each start and reload, so a
 * bad edit shows up in the journal as the reason.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import { ConfigError, formatConfigIssue, type GatewayConfig } from "../config/mod.ts";
import { loadConfigFile } from "../gateway/mod.ts";
import { formatIssue, GraphValidationError, loadGraphFile } from "../graph/mod.ts";
import type { Command } from "./command.ts";
import type { Output } from "./output.ts";

const USAGE = "config check <gateway.yaml>...";

/** Exit codes: 0 when every file is valid, 1 when any is invalid or unreadable, 2 on usage errors. */
export const configCheckCommand: Command = {
  path: ["config", "check"],
  usage: USAGE,
  summary: "Check gateway configuration files and their graph files; print every problem",
  flags: [{
    flag: "<gateway.yaml>...",
    text: "Configuration files (relative paths in each resolve against its folder)",
  }],
  notes: ["Exit code 0 when every file is valid, 1 when one is not."],
  run: runConfigCheck,
};

/** A configuration, or every problem of it as printable lines. */
type Checked = { config: GatewayConfig; problems: string[] };

/** Loads one configuration file and the graph files it names; problems as lines. */
async function check(file: string): Promise<Checked | { problems: string[] }> {
  let config;
  try {
    config = await loadConfigFile(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return {
      problems: error.issues.length > 0
        ? error.issues.map(formatConfigIssue)
        : [`${file}: ${error.message} [${error.code}]`],
    };
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
  return { config, problems };
}

async function runConfigCheck(args: string[], output: Output): Promise<number> {
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
    const checked = await check(file);
    if (checked.problems.length > 0 || !("config" in checked)) {
      checked.problems.forEach((p) => output.err(p));
      failed = true;
      continue;
    }
    const dataflows = Object.keys(checked.config.dataflows).length;
    output.out(`ok ${file} (${dataflows} dataflow${dataflows === 1 ? "" : "s"})`);
  }
  return failed ? 1 : 0;
}
