/**
 * `weir config check <file>...`: checks gateway configuration files as
 * `weir start` would, without starting anything, and prints `ok <file>` or
 * every problem as `file:line:col: path: … [rule]`.
 *
 * @module
 */
import { ConfigError, formatConfigIssue } from "../config/mod.ts";
import { loadConfigFile } from "../gateway/mod.ts";
import type { Command } from "./command.ts";
import type { Output } from "./output.ts";

const USAGE = "config check <gateway.yaml>...";

/** Exit codes: 0 when every file is valid, 1 when one is not (or cannot be read), 2 on usage errors. */
export const configCheckCommand: Command = {
  path: ["config", "check"],
  usage: USAGE,
  summary: "Check gateway configuration files; print every problem with file:line:col",
  flags: [{
    flag: "<gateway.yaml>...",
    text: "Configuration files (relative paths in each resolve against its folder)",
  }],
  notes: ["Exit code 0 when every file is valid, 1 when one is not."],
  run: runConfigCheck,
};

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
    try {
      const config = await loadConfigFile(file);
      const dataflows = Object.keys(config.dataflows).length;
      output.out(`ok ${file} (${dataflows} dataflow${dataflows === 1 ? "" : "s"})`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      error.issues.forEach((issue) => output.err(formatConfigIssue(issue)));
      if (error.issues.length === 0) output.err(`${file}: ${error.message} [${error.code}]`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
