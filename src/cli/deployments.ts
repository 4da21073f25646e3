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
import { type Command, defineCommand, type FlagHelp } from "./command.ts";
import { versionOrigin } from "./version_text.ts";

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
  const from = versionOrigin(spec);
  const values = Object.entries(spec.configuration).map(([k, v]) => `${k}=${v}`).join(" ");
  return `v${spec.id} from ${from}${values === "" ? "" : ` with ${values}`}`;
}

/** Exit codes: 0 when listed, 1 when the configuration is bad, 2 on usage errors. */
export const deploymentsListCommand: Command = defineCommand({
  path: ["deployments", "list"],
  usage: "deployments list [--data-dir <dir> | --config <gateway.yaml>]",
  summary: "List the deployments saved in a data directory (served instead of the configuration)",
  flags: DIR_HELP,
  options: OPTIONS,
  run: async ({ values }, output) => {
    const dataDir = await dataDirOf(values);
    const saved = await listDeployments(dataDir);
    if (saved.length === 0) output.out(`no saved deployments in ${dataDir}`);
    for (const { dataflow, record } of saved) {
      output.out(
        `${dataflow}  serves ${describe(record.current)}; rollback to ${describe(record.previous)}`,
      );
    }
  },
});

/** Exit codes: 0 when done, 1 when the configuration is bad, 2 on usage errors. */
export const deploymentsResetCommand: Command = defineCommand({
  path: ["deployments", "reset"],
  usage: "deployments reset (<dataflow>... | --all) [--data-dir <dir> | --config <gateway.yaml>]",
  summary: "Drop saved deployments, so the next start serves the configuration's graph again",
  flags: [
    { flag: "<dataflow>...", text: "The dataflows whose saved deployment to drop" },
    { flag: "--all", text: "Every saved deployment" },
    ...DIR_HELP,
  ],
  notes: ["A running gateway keeps serving what it serves until it is restarted."],
  options: OPTIONS,
  problems: ({ values, positionals }) =>
    (positionals.length === 0) === (values.all !== true)
      ? "name the dataflows, or give --all"
      : undefined,
  run: async ({ values, positionals }, output) => {
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
  },
});
