/**
 * The `weir` command line: parses the command words and dispatches to one
 * {@linkcode Command} per file.
 *
 * @example
 * ```ts ignore
 * const code = await runCli(["graph", "validate", "graphs/temperature.yaml"]);
 * ```
 *
 * @module
 */
import type { Command } from "./command.ts";
import { consoleOutput, type Output } from "./output.ts";
import { graphTestCommand } from "./graph_test.ts";
import { startCommand } from "./start.ts";
import { graphValidateCommand } from "./graph_validate.ts";
import { pushGraphCommand, pushModuleCommand } from "./push.ts";
import { pullCommand } from "./pull.ts";
import { bundleExportCommand, bundleImportCommand } from "./bundle.ts";

export type { Command } from "./command.ts";
export { consoleOutput, memoryOutput, type Output } from "./output.ts";

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  startCommand,
  graphValidateCommand,
  graphTestCommand,
  pushModuleCommand,
  pushGraphCommand,
  pullCommand,
  bundleExportCommand,
  bundleImportCommand,
];

function helpText(): string[] {
  return [
    "weir: the edge gateway that runs AIO dataflow graphs",
    "",
    "Usage:",
    ...COMMANDS.map((c) => `  weir ${c.usage}\n      ${c.summary}`),
  ];
}

/** Runs the CLI with the given arguments and resolves to the exit code. */
export async function runCli(args: string[], output: Output = consoleOutput()): Promise<number> {
  if (args.length === 0 || args[0] === "help" || args[0] === "--help" || args[0] === "-h") {
    helpText().forEach((l) => output.out(l));
    return args.length === 0 ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.path.every((word, i) => args[i] === word));
  if (command === undefined) {
    output.err(`weir: unknown command "${args.join(" ")}"`);
    helpText().forEach((l) => output.err(l));
    return 2;
  }
  return await command.run(args.slice(command.path.length), output);
}
