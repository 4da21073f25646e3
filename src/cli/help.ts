/**
 * The help texts: the list of every command (`weir --help`), a group's
 * subcommands (`weir graph --help`), and one command with what each flag
 * means (`weir push module --help`).
 *
 * @module
 */
import type { Command } from "./command.ts";

/** What each group of commands is for. */
const GROUPS: Readonly<Record<string, string>> = {
  graph: "Check and test graph definitions",
  push: "Push modules and graphs to an OCI registry",
  bundle: "Carry modules and graphs to an air-gapped gateway",
  deadletters: "Act on a running gateway's dead letters",
  config: "Check gateway configuration files",
  deployments: "See and drop the deployments a gateway saved",
};

/** `weir --help`: every command with its summary. */
export function helpText(commands: readonly Command[]): string[] {
  return [
    "weir: the edge gateway that runs AIO dataflow graphs",
    "",
    "Usage:",
    ...commands.map((c) => `  weir ${c.path.join(" ").padEnd(22)} ${c.summary}`),
    "",
    "weir <command> --help says what a command's flags mean; weir --version prints the version.",
  ];
}

/** The group a word names, if any (`graph` for `graph validate` and `graph test`). */
export function isGroup(commands: readonly Command[], word: string | undefined): boolean {
  return word !== undefined && commands.some((c) => c.path.length > 1 && c.path[0] === word);
}

/** `weir <group> --help`: its subcommands. */
export function groupHelp(commands: readonly Command[], group: string): string[] {
  const members = commands.filter((c) => c.path[0] === group);
  return [
    `weir ${group}: ${GROUPS[group] ?? ""}`.trimEnd(),
    "",
    "Commands:",
    ...members.map((c) => `  weir ${c.path.join(" ").padEnd(22)} ${c.summary}`),
    "",
    `weir ${group} <command> --help says what its flags mean.`,
  ];
}

/** `weir <command> --help`: usage, summary, and what each flag means. */
export function commandHelp(command: Command): string[] {
  const width = Math.min(30, Math.max(...command.flags.map((f) => f.flag.length), 0));
  const lines = [`Usage: weir ${command.usage}`, "", command.summary];
  if (command.flags.length > 0) {
    lines.push("", "Arguments and flags:");
    for (const f of command.flags) {
      lines.push(
        f.flag.length > width
          ? `  ${f.flag}\n  ${" ".repeat(width)}  ${f.text}`
          : `  ${f.flag.padEnd(width)}  ${f.text}`,
      );
    }
  }
  if (command.notes !== undefined && command.notes.length > 0) lines.push("", ...command.notes);
  return lines;
}

/** True when the arguments (before a `--`) ask for help. */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}
