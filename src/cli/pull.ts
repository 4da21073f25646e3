/**
 * `weir pull <ref> [--graph]`: pulls a module (or, with `--graph`, a graph
 * definition and every module it names) into the cache and prints where
 * each landed: `pulled <ref> <digest> <path>`, then `module <as written>
 * <ref> <digest> <path>` per module.
 *
 * @module
 */
import { OciError, type PulledArtifact } from "../oci/mod.ts";
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

const USAGE = `pull <ref> [--graph] ${OCI_FLAGS_USAGE}`;

/** Exit codes: 0 when pulled, 1 when the pull failed, 2 on usage errors. */
export const pullCommand: Command = {
  path: ["pull"],
  usage: USAGE,
  summary: "Pull a module, or a graph and its modules (--graph), into the gateway's cache",
  flags: [
    { flag: "<ref>", text: "What to pull: <registry>/<repo>:<tag> or …@sha256:<digest>" },
    { flag: "--graph", text: "It is a graph definition: pull it and every module it names" },
    ...OCI_FLAGS_HELP,
  ],
  notes: ["Prints: pulled <ref> <digest> <path> (and module … lines with --graph)."],
  run: runPull,
};

function offlineNote(artifact: PulledArtifact): string {
  return artifact.offline ? " (offline: from the cache)" : "";
}

async function runPull(args: string[], output: Output): Promise<number> {
  const options = { ...OCI_FLAG_OPTIONS, graph: { type: "boolean", default: false } } as const;
  const parsed = parseCommandArgs(args, options, { name: "pull", usage: USAGE }, output);
  if (parsed === undefined) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(`Usage: weir ${USAGE}`);
    return 0;
  }
  const problem = positionals.length !== 1
    ? `expected one reference, found ${positionals.length} argument(s)`
    : flagProblem(values);
  if (problem !== undefined) {
    output.err(`weir pull: ${problem}`);
    output.err(`Usage: weir ${USAGE}`);
    return 2;
  }
  const ref = positionals[0]!;
  const progress = progressLine(output);
  try {
    using client = await clientFromFlags(values, [ref], output);
    const options = { onProgress: progress.onProgress };
    if (values.graph) {
      const graph = await client.pullGraph(ref, options);
      progress.end();
      output.out(`pulled ${graph.ref} ${graph.digest} ${graph.path}${offlineNote(graph)}`);
      for (const [written, module] of graph.modules) {
        output.out(
          `module ${written} ${module.ref} ${module.digest} ${module.path}${offlineNote(module)}`,
        );
      }
    } else {
      const module = await client.pullModule(ref, options);
      progress.end();
      output.out(`pulled ${module.ref} ${module.digest} ${module.path}${offlineNote(module)}`);
    }
    return 0;
  } catch (error) {
    progress.end();
    const hint = !values.graph && error instanceof OciError && error.reason === "bad_artifact"
      ? " (for a graph definition, add --graph)"
      : "";
    return reportOciError("pull", error, output, hint);
  }
}
