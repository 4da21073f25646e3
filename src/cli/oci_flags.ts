/**
 * The flags every OCI command shares (`--config`, `--plain-http`,
 * `--username`, `--password-env`/`--password-file`, `--cache`), how they
 * become an {@linkcode OciClient}, and how its errors become one line and
 * an exit code.
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import { reportFailure } from "./report_failure.ts";
import { resolve } from "node:path";
import { loadConfigFile } from "../config/mod.ts";
import {
  defaultCacheDir,
  OciClient,
  OciError,
  parseReference,
  type RegistryConfig,
} from "../oci/mod.ts";
import { jsonLogger } from "../telemetry/mod.ts";
import type { Output } from "./output.ts";

/** `parseArgs` options of the shared flags. */
export const OCI_FLAG_OPTIONS = {
  config: { type: "string" },
  "plain-http": { type: "boolean", default: false },
  username: { type: "string" },
  "password-env": { type: "string" },
  "password-file": { type: "string" },
  cache: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The usage text of the shared flags. */
export const OCI_FLAGS_USAGE =
  "[--config <gateway.yaml>] [--plain-http] [--username <user> (--password-env <VAR> | --password-file <file>)] [--cache <dir>]";

/** The shared flags' values. */
export interface OciFlags {
  readonly config?: string | undefined;
  readonly "plain-http"?: boolean | undefined;
  readonly username?: string | undefined;
  readonly "password-env"?: string | undefined;
  readonly "password-file"?: string | undefined;
  readonly cache?: string | undefined;
}

/** A usage problem with the flags, or undefined when they fit together. */
export function flagProblem(flags: OciFlags): string | undefined {
  const passwords = [flags["password-env"], flags["password-file"]].filter((p) => p !== undefined);
  if (passwords.length > 1) return "give --password-env or --password-file, not both";
  if (flags.username === undefined && passwords.length > 0) {
    return "--password-env and --password-file need --username";
  }
  if (flags.username !== undefined && passwords.length === 0) {
    return "--username needs --password-env or --password-file";
  }
  return undefined;
}

/**
 * Makes the client: registries from `--config`, then for the hosts of
 * `refs` the command-line settings (which replace configured ones for those hosts).
 */
export async function clientFromFlags(
  flags: OciFlags,
  refs: readonly string[],
  output: Output,
): Promise<OciClient> {
  let registries: RegistryConfig[] = [];
  let dataDir: string | undefined;
  if (flags.config !== undefined) {
    const config = await loadConfigFile(flags.config);
    registries = Object.entries(config.registries).map(([name, r]) => ({ name, ...r }));
    dataDir = config.dataDir;
  }
  if (flags["plain-http"] === true || flags.username !== undefined) {
    const hosts = new Set(refs.map((r) => parseReference(r).registry).filter((h) => h !== ""));
    const credentials = flags.username === undefined ? undefined : {
      username: flags.username,
      ...(flags["password-file"] !== undefined
        ? { passwordFile: resolve(flags["password-file"]) }
        : { passwordEnv: flags["password-env"]! }),
    };
    registries = registries.filter((r) => !hosts.has(r.host.split("/")[0]!.toLowerCase()));
    for (const host of hosts) {
      registries.push({
        name: "command line",
        host,
        plainHttp: flags["plain-http"] === true,
        ...defined({ credentials }),
      });
    }
  }
  return new OciClient({
    registries,
    cacheDir: resolve(flags.cache ?? defaultCacheDir(dataDir)),
    log: jsonLogger({ level: "warn", write: (line) => output.err(line) }),
  });
}

/**
 * Prints an error of an OCI command as one line (a configuration's issues
 * one per line) and returns the exit code: 2 for usage errors, else 1.
 * Errors that are not Weir's are thrown on.
 */
export function reportOciError(command: string, error: unknown, output: Output, hint = ""): number {
  if (error instanceof OciError) {
    return reportFailure(command, error, output, { tag: error.reason, hint });
  }
  return reportFailure(command, error, output);
}
