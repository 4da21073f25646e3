/**
 * The `weir` command line: parses the command words and dispatches to one
 * {@linkcode Command} per file. `weir --help` lists every command, `weir
 * <group> --help` a group's, `weir <command> --help` what its flags mean.
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
import { statusCommand } from "./status.ts";
import {
  deadLettersExportCommand,
  deadLettersListCommand,
  deadLettersPurgeCommand,
  deadLettersReplayCommand,
  deadLettersShowCommand,
} from "./dead_letters.ts";
import { configCheckCommand } from "./config_check.ts";
import { deploymentsListCommand, deploymentsResetCommand } from "./deployments.ts";
import { asksForHelp, commandHelp, groupHelp, helpText, isGroup } from "./help.ts";
import { versionCommand } from "./version.ts";

export type { Command, FlagHelp } from "./command.ts";
export { consoleOutput, memoryOutput, type Output } from "./output.ts";
export { ociCacheDir } from "./oci_flags.ts";
export { captureRuntimeWarnings } from "./runtime_warnings.ts";
export {
  BASE_ENV_NAMES,
  startPermissions,
  type StartPermissionsInput,
} from "./start_permissions.ts";
export { type BuildInfo, VERSION, versionLines } from "./version.ts";

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  startCommand,
  statusCommand,
  graphValidateCommand,
  graphTestCommand,
  configCheckCommand,
  deadLettersListCommand,
  deadLettersShowCommand,
  deadLettersExportCommand,
  deadLettersReplayCommand,
  deadLettersPurgeCommand,
  deploymentsListCommand,
  deploymentsResetCommand,
  pushModuleCommand,
  pushGraphCommand,
  pullCommand,
  bundleExportCommand,
  bundleImportCommand,
  versionCommand,
];

/** Runs the CLI with the given arguments and resolves to the exit code. */
export async function runCli(args: string[], output: Output = consoleOutput()): Promise<number> {
  const [first] = args;
  if (first === "--version" || first === "-V") return await versionCommand.run([], output);
  if (args.length === 0 || first === "help" || first === "--help" || first === "-h") {
    helpText(COMMANDS).forEach((l) => output.out(l));
    return args.length === 0 ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.path.every((word, i) => args[i] === word));
  if (command === undefined && isGroup(COMMANDS, first)) {
    // `weir graph`, `weir graph --help`, `weir graph nonsense`: the group's commands.
    const asked = args.length === 2 && (args[1] === "--help" || args[1] === "-h");
    if (!asked && args.length > 1) output.err(`weir: unknown command "${args.join(" ")}"`);
    groupHelp(COMMANDS, first!).forEach((l) => (asked ? output.out(l) : output.err(l)));
    return asked ? 0 : 2;
  }
  if (command === undefined) {
    output.err(`weir: unknown command "${args.join(" ")}"`);
    helpText(COMMANDS).forEach((l) => output.err(l));
    return 2;
  }
  const rest = args.slice(command.path.length);
  if (asksForHelp(rest)) {
    commandHelp(command).forEach((l) => output.out(l));
    return 0;
  }
  return await command.run(rest, output);
}
