/**
 * Talking to a running gateway from the command line, through its admin
 * API: where it listens (`--admin-url`, or the `admin:` of `--config`, or
 * `http://127.0.0.1:8080/`) and its token (read from `<data dir>/admin-token`;
 * the data directory from `--data-dir`, or `--config`, or `.weir` as `weir
 * start` uses). Every failure is one line that names the flag to fix.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { TOKEN_FILE_NAME } from "../admin/mod.ts";
import { WeirError } from "../base/mod.ts";
import { loadConfigFile } from "../gateway/mod.ts";
import type { FlagHelp } from "./command.ts";

/** The data directory `weir start` uses when neither a flag nor a configuration names one. */
export const DEFAULT_DATA_DIR = ".weir";

/** `parseArgs` options of the flags that find the gateway. */
export const ADMIN_FLAG_OPTIONS = {
  "admin-url": { type: "string" },
  "data-dir": { type: "string" },
  config: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} as const;

/** What those flags mean. */
export const ADMIN_FLAGS_HELP: readonly FlagHelp[] = [
  {
    flag: "--admin-url <url>",
    text:
      "The gateway's admin API (default: admin host and port of --config, else http://127.0.0.1:8080/)",
  },
  {
    flag: "--data-dir <dir>",
    text:
      `The gateway's data directory, where its admin-token is (default: dataDir of --config, else ${DEFAULT_DATA_DIR})`,
  },
  { flag: "--config <gateway.yaml>", text: "Take the admin address and data directory from it" },
  { flag: "--json", text: "Print the API's JSON instead of lines for people" },
];

/** The values of those flags. */
export interface AdminFlags {
  readonly "admin-url"?: string | undefined;
  readonly "data-dir"?: string | undefined;
  readonly config?: string | undefined;
}

/** A gateway's admin API with its token. */
export interface AdminClient {
  /** `http://host:port/`. */
  readonly url: string;
  /** GETs or POSTs JSON; the API's error becomes a one-line `WeirError`. */
  json<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T>;
  /** GETs text (an export). */
  text(path: string): Promise<{ text: string; headers: Headers }>;
}

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** Finds the gateway and its token from the flags. */
export async function adminClient(flags: AdminFlags): Promise<AdminClient> {
  let dataDir = flags["data-dir"];
  let url = flags["admin-url"];
  if (flags.config !== undefined) {
    const config = await loadConfigFile(flags.config);
    dataDir ??= config.dataDir;
    const host = config.admin.host === "0.0.0.0" ? "127.0.0.1" : config.admin.host;
    url ??= `http://${hostForUrl(host)}:${config.admin.port}/`;
  }
  const base = new URL(url ?? "http://127.0.0.1:8080/");
  const tokenFile = join(resolve(dataDir ?? DEFAULT_DATA_DIR), TOKEN_FILE_NAME);
  let token: string;
  try {
    token = (await readFile(tokenFile, "utf8")).trim();
  } catch {
    throw new WeirError(
      "usage",
      `No admin token at "${tokenFile}"; give the gateway's data directory with --data-dir (or its configuration with --config)`,
    );
  }
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const target = new URL(path.replace(/^\//, ""), base);
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new WeirError(
        "unreachable",
        `No gateway answers at ${base.href}; is it running? Give its address with --admin-url (or --config)`,
      );
    }
    if (response.ok) return response;
    const error = await response.json().catch(() => undefined) as
      | { error?: { code?: string; message?: string } }
      | undefined;
    if (response.status === 401) {
      throw new WeirError(
        "usage",
        `The gateway at ${base.href} refused the token in "${tokenFile}"; give its data directory with --data-dir`,
      );
    }
    const code = error?.error?.code === "not_found" ? "not_found" : "conflict";
    throw new WeirError(
      response.status === 400 ? "usage" : code,
      error?.error?.message ?? `The gateway answered HTTP ${response.status}`,
    );
  };
  return {
    url: base.href,
    json: async <T>(method: "GET" | "POST", path: string, body?: unknown) =>
      await (await call(method, path, body)).json() as T,
    text: async (path) => {
      const response = await call("GET", path);
      return { text: await response.text(), headers: response.headers };
    },
  };
}
