/**
 * `weir config check <gateway.yaml>...`: loads each gateway configuration
 * and the graph files its dataflows name, as `weir start` would, without
 * starting anything, and prints `ok <file> (N dataflows)` or every problem as
 * `file:line:col: …`. The service runs it before each start and reload, so a
 * bad edit shows up in the journal as the reason.
 *
 * @module
 */
import type { GatewayConfig } from "../config/mod.ts";
import { loadConfigFile } from "../gateway/mod.ts";
import { loadGraphFile } from "../graph/mod.ts";
import { type Command, fileArguments } from "./command.ts";
import type { Output } from "./output.ts";
import { fileProblems } from "./report_failure.ts";

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
    return { problems: fileProblems(file, error) };
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
      problems.push(...fileProblems(graphFile, error));
    }
  }
  return { config, problems };
}

async function runConfigCheck(args: string[], output: Output): Promise<number> {
  const files = fileArguments(args, { name: "config check", usage: USAGE }, output);
  if (files === undefined) return 2;
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
