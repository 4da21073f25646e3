/**
 * `weir graph validate <file>...`: checks graph definition files and prints
 * `ok <file>` for each valid one, or every issue of each invalid one.
 *
 * @module
 */
import { loadGraphFile } from "../graph/mod.ts";
import { type Command, fileArguments } from "./command.ts";
import type { Output } from "./output.ts";
import { fileProblems } from "./report_failure.ts";

const USAGE = "graph validate <file>...";

/**
 * Exit codes: 0 when every file is valid, 1 when any file is invalid or
 * unreadable, 2 on a usage error (no files, or an unknown option).
 */
export const graphValidateCommand: Command = {
  path: ["graph", "validate"],
  usage: USAGE,
  summary: "Check AIO graph definition files; print every problem with file:line:col",
  flags: [{ flag: "<file>...", text: "Graph definition files (AIO graph YAML)" }],
  notes: ["Exit code 0 when every file is valid, 1 when one is not."],
  run: runGraphValidate,
};

async function runGraphValidate(args: string[], output: Output): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    output.out(`Usage: weir ${USAGE}`);
    output.out(graphValidateCommand.summary);
    return 0;
  }
  const files = fileArguments(args, { name: "graph validate", usage: USAGE }, output);
  if (files === undefined) return 2;
  let failed = false;
  for (const file of files) {
    try {
      await loadGraphFile(file);
      output.out(`ok ${file}`);
    } catch (error) {
      fileProblems(file, error).forEach((line) => output.err(line));
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
