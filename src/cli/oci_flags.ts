/**
 * The flags every OCI command shares (`--config`, `--plain-http`,
 * `--username`, `--password-env`/`--password-file`, `--cache`), how they
 * become an {@linkcode OciClient} that shows its progress while a command
 * works, how its errors become one line and an exit code, and a command
 * that has them all ({@linkcode ociCommand}).
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import { reportFailure } from "./report_failure.ts";
import { resolve } from "node:path";
import { loadConfigFile } from "../gateway/mod.ts";
import {
  defaultCacheDir,
  OciClient,
  OciError,
  parseReference,
  type ProgressListener,
  type RegistryConfig,
} from "../oci/mod.ts";
import { jsonLogger } from "../telemetry/mod.ts";
import { DEFAULT_DATA_DIR } from "./admin_client.ts";
import type { ParseArgsOptionsConfig } from "node:util";
import {
  type Command,
  type CommandSpec,
  defineCommand,
  type FlagHelp,
  type ParsedArgs,
} from "./command.ts";
import type { Output } from "./output.ts";
import { progressLine } from "./progress_line.ts";

/** `parseArgs` options of the shared flags. */
export const OCI_FLAG_OPTIONS = {
  config: { type: "string" },
  "plain-http": { type: "boolean", default: false },
  username: { type: "string" },
  "password-env": { type: "string" },
  "password-file": { type: "string" },
  "data-dir": { type: "string" },
  cache: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The usage text of the shared flags. */
export const OCI_FLAGS_USAGE =
  "[--config <gateway.yaml>] [--plain-http] [--username <user> (--password-env <VAR> | --password-file <file>)] [--data-dir <dir> | --cache <dir>]";

/** What the shared flags mean. */
export const OCI_FLAGS_HELP: readonly FlagHelp[] = [
  {
    flag: "--config <gateway.yaml>",
    text:
      "Use the registries (hosts, credentials, TLS) and the data directory of this configuration",
  },
  {
    flag: "--plain-http",
    text:
      "Plain HTTP to the registry the reference names (loopback only), e.g. a local docker-registry",
  },
  {
    flag: "--username <user>",
    text: "Sign in with this user; the password from --password-env or --password-file",
  },
  { flag: "--password-env <VAR>", text: "The environment variable holding the password" },
  { flag: "--password-file <file>", text: "The file holding the password" },
  {
    flag: "--data-dir <dir>",
    text:
      `The gateway's data directory: artifacts land in its cache, <dir>/oci (default: dataDir of --config, else ${DEFAULT_DATA_DIR}, as weir start uses)`,
  },
  { flag: "--cache <dir>", text: "The OCI cache folder itself (default <data dir>/oci)" },
];

/**
 * The cache the command fills: the one the gateway pulls into, so a pull from
 * the command line serves the gateway offline later.
 */
export function ociCacheDir(
  flags: { readonly cache?: string | undefined; readonly "data-dir"?: string | undefined },
  configDataDir?: string,
): string {
  if (flags.cache !== undefined) return resolve(flags.cache);
  return resolve(defaultCacheDir(flags["data-dir"] ?? configDataDir ?? DEFAULT_DATA_DIR));
}

/** The shared flags' values. */
export interface OciFlags {
  readonly config?: string | undefined;
  readonly "plain-http"?: boolean | undefined;
  readonly username?: string | undefined;
  readonly "password-env"?: string | undefined;
  readonly "password-file"?: string | undefined;
  readonly "data-dir"?: string | undefined;
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
    cacheDir: ociCacheDir(flags, dataDir),
    log: jsonLogger({ level: "warn", write: (line) => output.err(line) }),
  });
}

/**
 * Runs `work` with the client the flags make, its progress shown on standard
 * error; the progress line is cleared when the work ends, so what the
 * command prints next starts on a line of its own.
 */
export async function withOciClient<T>(
  flags: OciFlags,
  refs: readonly string[],
  output: Output,
  work: (client: OciClient, onProgress: ProgressListener) => Promise<T>,
): Promise<T> {
  const progress = progressLine(output);
  try {
    using client = await clientFromFlags(flags, refs, output);
    return await work(client, progress.onProgress);
  } finally {
    progress.end();
  }
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

/** The shared flags' options with a command's own. */
type OciOptions<O extends ParseArgsOptionsConfig> = typeof OCI_FLAG_OPTIONS & O;

/** An OCI command's declaration: its own usage, help, flags and checks, without the shared ones. */
export interface OciCommandSpec<O extends ParseArgsOptionsConfig>
  extends Omit<CommandSpec<OciOptions<O>>, "options" | "problems" | "report"> {
  /** Its own flags. */
  readonly options: O;
  /** What is wrong with its own arguments, if anything; the shared flags are checked after. */
  problems?(parsed: ParsedArgs<OciOptions<O>>): string | undefined;
  /** Text appended to a failure's message (e.g. the flag that was likely forgotten). */
  hint?(error: unknown, parsed: ParsedArgs<OciOptions<O>>): string;
}

/**
 * An OCI command: the shared flags join its usage, help and options, are
 * checked after its own arguments, and its failures are reported with the
 * registry's finer reason.
 */
export function ociCommand<const O extends ParseArgsOptionsConfig>(
  spec: OciCommandSpec<O>,
): Command {
  const { hint, problems, ...command } = spec;
  const name = spec.path.join(" ");
  return defineCommand<OciOptions<O>>({
    ...command,
    usage: `${spec.usage} ${OCI_FLAGS_USAGE}`,
    flags: [...spec.flags, ...OCI_FLAGS_HELP],
    options: { ...OCI_FLAG_OPTIONS, ...spec.options },
    problems: (parsed) => problems?.(parsed) ?? flagProblem(parsed.values),
    report: (error, parsed, output) =>
      reportOciError(name, error, output, hint?.(error, parsed) ?? ""),
  });
}
