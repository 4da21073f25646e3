/**
 * `weir bundle export <out.tar> <ref>...` and `weir bundle import
 * <file.tar>`: carry modules and graphs (graphs with their modules) to an
 * air-gapped gateway as an OCI image layout in a tar file, verified again
 * on import.
 *
 * @module
 */
import { type Command, defineCommand } from "./command.ts";
import {
  OCI_FLAG_OPTIONS,
  OCI_FLAGS_HELP,
  ociCommand,
  reportOciError,
  withOciClient,
} from "./oci_flags.ts";

/** Exit codes: 0 when written, 1 when a pull or the write failed, 2 on usage errors. */
export const bundleExportCommand: Command = ociCommand({
  path: ["bundle", "export"],
  usage: "bundle export <out.tar> <ref>... [--no-graph-modules]",
  summary: "Pull references (graphs with their modules) and write them to an offline bundle",
  flags: [
    { flag: "<out.tar>", text: "The bundle file to write (an OCI image layout in a tar)" },
    { flag: "<ref>...", text: "Modules and graphs to carry, as <registry>/<repo>:<tag>" },
    {
      flag: "--no-graph-modules",
      text: "Carry only the graphs, not the modules they name (by default they go too)",
    },
  ],
  options: { "no-graph-modules": { type: "boolean", default: false } },
  problems: ({ positionals }) =>
    positionals.length < 2 ? "expected the bundle file and at least one reference" : undefined,
  run: async ({ values, positionals: [tarPath, ...refs] }, output) => {
    const result = await withOciClient(
      values,
      refs,
      output,
      (client, onProgress) =>
        client.exportBundle(refs, tarPath!, {
          onProgress,
          graphModules: values["no-graph-modules"] !== true,
        }),
    );
    output.out(`exported ${result.refs.length} artifact(s), ${result.blobs} blob(s) to ${tarPath}`);
    for (const { ref, digest } of result.refs) output.out(`  ${ref} ${digest}`);
  },
});

/** The flags of an import: only where the cache is (the registry flags are for pulls). */
const IMPORT_FLAGS = ["--config", "--data-dir", "--cache"];

/** Exit codes: 0 when imported, 1 when the bundle is bad or unreadable, 2 on usage errors. */
export const bundleImportCommand: Command = defineCommand({
  path: ["bundle", "import"],
  usage: "bundle import <file.tar> [--config <gateway.yaml>] [--data-dir <dir> | --cache <dir>]",
  summary: "Verify an offline bundle and add it to the cache, so its references pull offline",
  flags: [
    { flag: "<file.tar>", text: "A bundle written by weir bundle export" },
    ...OCI_FLAGS_HELP.filter((f) => IMPORT_FLAGS.includes(f.flag.split(" ")[0]!)),
  ],
  options: OCI_FLAG_OPTIONS,
  problems: ({ positionals }) =>
    positionals.length !== 1
      ? `expected one bundle file, found ${positionals.length} argument(s)`
      : undefined,
  run: async ({ values, positionals: [tarPath] }, output) => {
    const flags = { config: values.config, cache: values.cache, "data-dir": values["data-dir"] };
    const result = await withOciClient(
      flags,
      [],
      output,
      (client) => client.importBundle(tarPath!),
    );
    for (const { ref, digest, recorded } of result.refs) {
      output.out(
        `imported ${ref} ${digest}${recorded ? "" : " (not a full reference: not recorded)"}`,
      );
    }
  },
  report: (error, _parsed, output) => reportOciError("bundle import", error, output),
});
