/**
 * `weir bundle export <out.tar> <ref>...` and `weir bundle import
 * <file.tar>`: carry modules and graphs (graphs with their modules) to an
 * air-gapped gateway as an OCI image layout in a tar file, verified again
 * on import.
 *
 * @module
 */
import { type Command, parseCommandArgs } from "./command.ts";
import {
  clientFromFlags,
  flagProblem,
  OCI_FLAG_OPTIONS,
  OCI_FLAGS_HELP,
  OCI_FLAGS_USAGE,
  reportOciError,
} from "./oci_flags.ts";
import type { Output } from "./output.ts";
import { progressLine } from "./progress_line.ts";

const EXPORT_USAGE = `bundle export <out.tar> <ref>... [--no-graph-modules] ${OCI_FLAGS_USAGE}`;
const IMPORT_USAGE =
  "bundle import <file.tar> [--config <gateway.yaml>] [--data-dir <dir> | --cache <dir>]";

/** Exit codes: 0 when written, 1 when a pull or the write failed, 2 on usage errors. */
export const bundleExportCommand: Command = {
  path: ["bundle", "export"],
  usage: EXPORT_USAGE,
  summary: "Pull references (graphs with their modules) and write them to an offline bundle",
  flags: [
    { flag: "<out.tar>", text: "The bundle file to write (an OCI image layout in a tar)" },
    { flag: "<ref>...", text: "Modules and graphs to carry, as <registry>/<repo>:<tag>" },
    {
      flag: "--no-graph-modules",
      text: "Carry only the graphs, not the modules they name (by default they go too)",
    },
    ...OCI_FLAGS_HELP,
  ],
  run: runExport,
};

/** Exit codes: 0 when imported, 1 when the bundle is bad or unreadable, 2 on usage errors. */
export const bundleImportCommand: Command = {
  path: ["bundle", "import"],
  usage: IMPORT_USAGE,
  summary: "Verify an offline bundle and add it to the cache, so its references pull offline",
  flags: [
    { flag: "<file.tar>", text: "A bundle written by weir bundle export" },
    ...OCI_FLAGS_HELP.filter((f) =>
      ["--config", "--data-dir", "--cache"].includes(f.flag.split(" ")[0]!)
    ),
  ],
  run: runImport,
};

const EXPORT_OPTIONS = {
  ...OCI_FLAG_OPTIONS,
  "no-graph-modules": { type: "boolean", default: false },
} as const;

async function runExport(args: string[], output: Output): Promise<number> {
  const words = { name: "bundle export", usage: EXPORT_USAGE };
  const parsed = parseCommandArgs(args, EXPORT_OPTIONS, words, output);
  if (parsed === undefined) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(`Usage: weir ${EXPORT_USAGE}`);
    return 0;
  }
  const problem = positionals.length < 2
    ? "expected the bundle file and at least one reference"
    : flagProblem(values);
  if (problem !== undefined) {
    output.err(`weir bundle export: ${problem}`);
    output.err(`Usage: weir ${EXPORT_USAGE}`);
    return 2;
  }
  const [tarPath, ...refs] = positionals as [string, ...string[]];
  const progress = progressLine(output);
  try {
    using client = await clientFromFlags(values, refs, output);
    const result = await client.exportBundle(refs, tarPath, {
      onProgress: progress.onProgress,
      graphModules: values["no-graph-modules"] !== true,
    });
    progress.end();
    output.out(`exported ${result.refs.length} artifact(s), ${result.blobs} blob(s) to ${tarPath}`);
    for (const { ref, digest } of result.refs) output.out(`  ${ref} ${digest}`);
    return 0;
  } catch (error) {
    progress.end();
    return reportOciError("bundle export", error, output);
  }
}

async function runImport(args: string[], output: Output): Promise<number> {
  const words = { name: "bundle import", usage: IMPORT_USAGE };
  const parsed = parseCommandArgs(args, OCI_FLAG_OPTIONS, words, output);
  if (parsed === undefined) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(`Usage: weir ${IMPORT_USAGE}`);
    return 0;
  }
  if (positionals.length !== 1) {
    output.err(
      `weir bundle import: expected one bundle file, found ${positionals.length} argument(s)`,
    );
    output.err(`Usage: weir ${IMPORT_USAGE}`);
    return 2;
  }
  try {
    using client = await clientFromFlags(
      { config: values.config, cache: values.cache, "data-dir": values["data-dir"] },
      [],
      output,
    );
    const result = await client.importBundle(positionals[0]!);
    for (const { ref, digest, recorded } of result.refs) {
      output.out(
        `imported ${ref} ${digest}${recorded ? "" : " (not a full reference: not recorded)"}`,
      );
    }
    return 0;
  } catch (error) {
    return reportOciError("bundle import", error, output);
  }
}
