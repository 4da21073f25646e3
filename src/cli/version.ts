/**
 * `weir --version` (or `weir version`): Weir's version and build, the Deno
 * runtime that runs it, and the machine. The version is deno.json's; a
 * release has a `build.json` beside its bundle (the packager writes it: the
 * commit, the time and the target it was built for), a checkout has none.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import denoConfig from "../../deno.json" with { type: "json" };
import type { Command } from "./command.ts";
import type { Output } from "./output.ts";

/** Weir's version, from deno.json. */
export const VERSION: string = (denoConfig as { version?: string }).version ?? "0.0.0";

/** What the packager records about a release build. */
export interface BuildInfo {
  readonly version: string;
  /** The commit it was built from, `-dirty` when the tree had changes. */
  readonly commit: string;
  /** When it was built (ISO 8601). */
  readonly date: string;
  /** The target it was built for, e.g. `linux-arm64`. */
  readonly target: string;
  /** The Deno version it ships. */
  readonly deno: string;
}

/** The release's build record, or undefined in a checkout. */
export async function readBuildInfo(): Promise<BuildInfo | undefined> {
  try {
    return JSON.parse(
      await readFile(new URL("./build.json", import.meta.url), "utf8"),
    ) as BuildInfo;
  } catch {
    return undefined;
  }
}

/** The lines `weir --version` prints. */
export function versionLines(build: BuildInfo | undefined): string[] {
  const v = Deno.version;
  return [
    `weir ${build?.version ?? VERSION}`,
    `build: ${build ? `${build.commit} ${build.date} ${build.target}` : "source checkout"}`,
    `deno: ${v.deno} (v8 ${v.v8}, typescript ${v.typescript})`,
    `arch: ${Deno.build.arch} (${Deno.build.target})`,
  ];
}

/** Exit code 0. */
export const versionCommand: Command = {
  path: ["version"],
  usage: "version | --version",
  summary: "Print the version and build, the Deno version and the architecture",
  flags: [{ flag: "--version, -V", text: "The same, as a flag: weir --version or weir -V" }],
  run: async (_args: string[], output: Output): Promise<number> => {
    versionLines(await readBuildInfo()).forEach((l) => output.out(l));
    return 0;
  },
};
