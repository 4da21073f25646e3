/**
 * `weir push module <file.wasm> <ref>` and `weir push graph <file.yaml>
 * <ref>`: push a module or a graph definition to a registry in the shape
 * AIO and `oras` use, and print `pushed <ref> <digest>`.
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

type Kind = "module" | "graph";

function usage(kind: Kind): string {
  return `push ${kind} <file.${kind === "module" ? "wasm" : "yaml"}> <ref> ${OCI_FLAGS_USAGE}`;
}

/** Exit codes: 0 when pushed, 1 when the push failed, 2 on usage errors. */
export const pushModuleCommand: Command = {
  path: ["push", "module"],
  usage: usage("module"),
  summary: "Push a WebAssembly module to an OCI registry (as AIO's oras push does)",
  flags: [
    { flag: "<file.wasm>", text: "The module: a WebAssembly component" },
    { flag: "<ref>", text: "Where to push it: <registry>/<repo>:<tag>" },
    ...OCI_FLAGS_HELP,
  ],
  run: (args, output) => runPush("module", args, output),
};

/** Exit codes: 0 when pushed, 1 when the push failed, 2 on usage errors. */
export const pushGraphCommand: Command = {
  path: ["push", "graph"],
  usage: usage("graph"),
  summary: "Push a graph definition to an OCI registry (as AIO's oras push --config does)",
  flags: [
    { flag: "<file.yaml>", text: "The graph definition (checked before it is pushed)" },
    { flag: "<ref>", text: "Where to push it: <registry>/<repo>:<tag>" },
    ...OCI_FLAGS_HELP,
  ],
  run: (args, output) => runPush("graph", args, output),
};

async function runPush(kind: Kind, args: string[], output: Output): Promise<number> {
  const name = `push ${kind}`;
  const parsed = parseCommandArgs(args, OCI_FLAG_OPTIONS, { name, usage: usage(kind) }, output);
  if (parsed === undefined) return 2;
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(`Usage: weir ${usage(kind)}`);
    return 0;
  }
  const problem = positionals.length !== 2
    ? `expected a file and a reference, found ${positionals.length} argument(s)`
    : flagProblem(values);
  if (problem !== undefined) {
    output.err(`weir ${name}: ${problem}`);
    output.err(`Usage: weir ${usage(kind)}`);
    return 2;
  }
  const [file, ref] = positionals as [string, string];
  const progress = progressLine(output);
  try {
    using client = await clientFromFlags(values, [ref], output);
    const options = { onProgress: progress.onProgress };
    const pushed = kind === "module"
      ? await client.pushModule(file, ref, options)
      : await client.pushGraph(file, ref, options);
    progress.end();
    output.out(`pushed ${pushed.ref} ${pushed.digest}`);
    return 0;
  } catch (error) {
    progress.end();
    return reportOciError(name, error, output);
  }
}
