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
import { configCheckCommand } from "./config_check.ts";
import { versionCommand } from "./version.ts";

export type { Command } from "./command.ts";
export { consoleOutput, memoryOutput, type Output } from "./output.ts";
export {
  BASE_ENV_NAMES,
  startPermissions,
  type StartPermissionsInput,
} from "./start_permissions.ts";
export { type BuildInfo, VERSION, versionLines } from "./version.ts";

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  startCommand,
  configCheckCommand,
  graphValidateCommand,
  graphTestCommand,
  pushModuleCommand,
  pushGraphCommand,
  pullCommand,
  bundleExportCommand,
  bundleImportCommand,
  versionCommand,
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
  if (args[0] === "--version" || args[0] === "-V") return await versionCommand.run([], output);
  const command = COMMANDS.find((c) => c.path.every((word, i) => args[i] === word));
  if (command === undefined) {
    output.err(`weir: unknown command "${args.join(" ")}"`);
    helpText().forEach((l) => output.err(l));
    return 2;
  }
  return await command.run(args.slice(command.path.length), output);
}
