/**
 * `weir deployments list|reset`: the deployments a gateway saved in its data
 * directory (by a deploy or rollback from the admin page or API). A saved
 * deployment is served instead of the configuration's graph after a restart,
 * as long as the configuration of that dataflow is unchanged; `reset` drops
 * it, so the next start serves the configuration again.
 *
 * @module
 */
import { resolve } from "node:path";
import { WeirError } from "../base/mod.ts";
import {
  listDeployments,
  loadConfigFile,
  removeDeployment,
  type VersionSpec,
} from "../gateway/mod.ts";
import { DEFAULT_DATA_DIR } from "./admin_client.ts";
import { type Command, type FlagHelp, parseCommandArgs } from "./command.ts";
import { reportError } from "./report_error.ts";

const OPTIONS = {
  "data-dir": { type: "string" },
  config: { type: "string" },
  all: { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} as const;

const DIR_HELP: readonly FlagHelp[] = [
  {
    flag: "--data-dir <dir>",
    text: `The gateway's data directory (default: dataDir of --config, else ${DEFAULT_DATA_DIR})`,
  },
  { flag: "--config <gateway.yaml>", text: "Take the data directory from it" },
];

async function dataDirOf(values: { "data-dir"?: string; config?: string }): Promise<string> {
  if (values["data-dir"] !== undefined) return resolve(values["data-dir"]);
  if (values.config !== undefined) return (await loadConfigFile(values.config)).dataDir;
  return resolve(DEFAULT_DATA_DIR);
}

function describe(spec: VersionSpec | undefined): string {
  if (spec === undefined) return "nothing";
  const from = spec.origin === "oci"
    ? spec.ref ?? "a registry"
    : spec.origin === "upload"
    ? "uploaded YAML"
    : "the configuration's graph file";
  const values = Object.entries(spec.configuration).map(([k, v]) => `${k}=${v}`).join(" ");
  return `v${spec.id} from ${from}${values === "" ? "" : ` with ${values}`}`;
}

const LIST_USAGE = "deployments list [--data-dir <dir> | --config <gateway.yaml>]";

/** Exit codes: 0 when listed, 1 when the configuration is bad, 2 on usage errors. */
export const deploymentsListCommand: Command = {
  path: ["deployments", "list"],
  usage: LIST_USAGE,
  summary: "List the deployments saved in a data directory (served instead of the configuration)",
  flags: DIR_HELP,
  run: async (args, output) => {
    const words = { name: "deployments list", usage: LIST_USAGE };
    const parsed = parseCommandArgs(args, OPTIONS, words, output);
    if (parsed === undefined) return 2;
    try {
      const dataDir = await dataDirOf(parsed.values);
      const saved = await listDeployments(dataDir);
      if (saved.length === 0) output.out(`no saved deployments in ${dataDir}`);
      for (const { dataflow, record } of saved) {
        output.out(
          `${dataflow}  serves ${describe(record.current)}; rollback to ${
            describe(record.previous)
          }`,
        );
      }
      return 0;
    } catch (error) {
      return reportError("deployments list", error, output);
    }
  },
};

const RESET_USAGE =
  "deployments reset (<dataflow>... | --all) [--data-dir <dir> | --config <gateway.yaml>]";

/** Exit codes: 0 when done, 1 when the configuration is bad, 2 on usage errors. */
export const deploymentsResetCommand: Command = {
  path: ["deployments", "reset"],
  usage: RESET_USAGE,
  summary: "Drop saved deployments, so the next start serves the configuration's graph again",
  flags: [
    { flag: "<dataflow>...", text: "The dataflows whose saved deployment to drop" },
    { flag: "--all", text: "Every saved deployment" },
    ...DIR_HELP,
  ],
  notes: ["A running gateway keeps serving what it serves until it is restarted."],
  run: async (args, output) => {
    const words = { name: "deployments reset", usage: RESET_USAGE };
    const parsed = parseCommandArgs(args, OPTIONS, words, output);
    if (parsed === undefined) return 2;
    const { values, positionals } = parsed;
    if ((positionals.length === 0) === (values.all !== true)) {
      output.err("weir deployments reset: name the dataflows, or give --all");
      output.err(`Usage: weir ${RESET_USAGE}`);
      return 2;
    }
    try {
      const dataDir = await dataDirOf(values);
      const names = values.all === true
        ? (await listDeployments(dataDir)).map((d) => d.dataflow)
        : positionals;
      for (const name of names) {
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name)) {
          throw new WeirError("usage", `"${name}" is not a dataflow name`);
        }
        const dropped = await removeDeployment(dataDir, name);
        output.out(
          dropped === undefined
            ? `${name}: no saved deployment`
            : `${name}: dropped the saved deployment (${describe(dropped.current)}); ` +
              "the next start serves the configuration",
        );
      }
      if (names.length === 0) output.out(`no saved deployments in ${dataDir}`);
      return 0;
    } catch (error) {
      return reportError("deployments reset", error, output);
    }
  },
};
