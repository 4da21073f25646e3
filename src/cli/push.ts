/**
 * `weir push module <file.wasm> <ref>` and `weir push graph <file.yaml>
 * <ref>`: push a module or a graph definition to a registry in the shape
 * AIO and `oras` use, and print `pushed <ref> <digest>`.
 *
 * @module
 */
import type { Command } from "./command.ts";
import { ociCommand, withOciClient } from "./oci_flags.ts";

/** The push command of one kind of artifact: its file, and the `oras push` it matches. */
function pushCommand(kind: "module" | "graph", summary: string, fileText: string): Command {
  const file = `<file.${kind === "module" ? "wasm" : "yaml"}>`;
  return ociCommand({
    path: ["push", kind],
    usage: `push ${kind} ${file} <ref>`,
    summary,
    flags: [
      { flag: file, text: fileText },
      { flag: "<ref>", text: "Where to push it: <registry>/<repo>:<tag>" },
    ],
    options: {},
    problems: ({ positionals }) =>
      positionals.length !== 2
        ? `expected a file and a reference, found ${positionals.length} argument(s)`
        : undefined,
    run: async ({ values, positionals: [file, ref] }, output) => {
      const pushed = await withOciClient(
        values,
        [ref!],
        output,
        (client, onProgress) =>
          kind === "module"
            ? client.pushModule(file!, ref!, { onProgress })
            : client.pushGraph(file!, ref!, { onProgress }),
      );
      output.out(`pushed ${pushed.ref} ${pushed.digest}`);
    },
  });
}

/** Exit codes: 0 when pushed, 1 when the push failed, 2 on usage errors. */
export const pushModuleCommand: Command = pushCommand(
  "module",
  "Push a WebAssembly module to an OCI registry (as AIO's oras push does)",
  "The module: a WebAssembly component",
);

/** Exit codes: 0 when pushed, 1 when the push failed, 2 on usage errors. */
export const pushGraphCommand: Command = pushCommand(
  "graph",
  "Push a graph definition to an OCI registry (as AIO's oras push --config does)",
  "The graph definition (checked before it is pushed)",
);
