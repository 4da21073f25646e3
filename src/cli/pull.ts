/**
 * `weir pull <ref> [--graph]`: pulls a module (or, with `--graph`, a graph
 * definition and every module it names) into the cache and prints where
 * each landed: `pulled <ref> <digest> <path>`, then `module <as written>
 * <ref> <digest> <path>` per module.
 *
 * @module
 */
import { OciError, type PulledArtifact, type PulledGraph } from "../oci/mod.ts";
import { ociCommand, withOciClient } from "./oci_flags.ts";

function offlineNote(artifact: PulledArtifact): string {
  return artifact.offline ? " (offline: from the cache)" : "";
}

/** Exit codes: 0 when pulled, 1 when the pull failed, 2 on usage errors. */
export const pullCommand = ociCommand({
  path: ["pull"],
  usage: "pull <ref> [--graph]",
  summary: "Pull a module, or a graph and its modules (--graph), into the gateway's cache",
  flags: [
    { flag: "<ref>", text: "What to pull: <registry>/<repo>:<tag> or …@sha256:<digest>" },
    { flag: "--graph", text: "It is a graph definition: pull it and every module it names" },
  ],
  notes: ["Prints: pulled <ref> <digest> <path> (and module … lines with --graph)."],
  options: { graph: { type: "boolean", default: false } },
  problems: ({ positionals }) =>
    positionals.length !== 1
      ? `expected one reference, found ${positionals.length} argument(s)`
      : undefined,
  run: async ({ values, positionals: [ref] }, output) => {
    // A module is printed as a graph without modules.
    const pulled: PulledArtifact & Partial<Pick<PulledGraph, "modules">> = await withOciClient(
      values,
      [ref!],
      output,
      (client, onProgress) =>
        values.graph
          ? client.pullGraph(ref!, { onProgress })
          : client.pullModule(ref!, { onProgress }),
    );
    output.out(`pulled ${pulled.ref} ${pulled.digest} ${pulled.path}${offlineNote(pulled)}`);
    for (const [written, module] of pulled.modules ?? []) {
      output.out(
        `module ${written} ${module.ref} ${module.digest} ${module.path}${offlineNote(module)}`,
      );
    }
  },
  hint: (error, { values }) =>
    !values.graph && error instanceof OciError && error.reason === "bad_artifact"
      ? " (for a graph definition, add --graph)"
      : "",
});
