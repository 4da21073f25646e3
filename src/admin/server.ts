/**
 * The admin server: loads (or creates) the token, builds the app and serves
 * it over HTTP. It listens on loopback unless told otherwise on purpose,
 * since the token travels in plain HTTP.
 *
 * @module
 */
import { isLoopbackHost, listenError, WeirError } from "../base/mod.ts";
import { type AdminAppOptions, createAdminApp } from "./app.ts";
import { loadOrCreateToken } from "./token_file.ts";

/** Options for {@linkcode startAdmin}. */
export interface StartAdminOptions extends Omit<AdminAppOptions, "token" | "signal"> {
  /** Where `admin-token` is kept. */
  readonly dataDir: string;
  /** The address to listen on. @default "127.0.0.1" */
  readonly host?: string;
  /** 0 for any free port. @default 8080 */
  readonly port?: number;
  /** Must be true to listen on anything but a loopback address. @default false */
  readonly allowRemote?: boolean;
}

/** A running admin server. */
export interface AdminServer {
  /** `http://host:port/`. */
  readonly url: string;
  /** The admin token clients must present. */
  readonly token: string;
  /** The token file. */
  readonly tokenFile: string;
  /** True when this start created the token (the only time it should be shown). */
  readonly tokenCreated: boolean;
  /** Ends open event streams and stops listening. */
  stop(): Promise<void>;
}

/** True for `127.0.0.0/8`, `::1` and `localhost`. */
export const isLoopback: (host: string) => boolean = isLoopbackHost;

function urlHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * Starts the admin API and page.
 *
 * @throws {WeirError} code `usage` for a non-loopback host without `allowRemote`, a port in use,
 *   or an unusable token file.
 */
export async function startAdmin(options: StartAdminOptions): Promise<AdminServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8080;
  if (!isLoopback(host) && options.allowRemote !== true) {
    throw new WeirError(
      "usage",
      `Admin host "${host}" is not a loopback address; set admin.allowRemote: true to listen on it (the token is sent in plain HTTP)`,
    );
  }
  const { token, path, created } = await loadOrCreateToken(options.dataDir);
  const stopping = new AbortController();
  const app = createAdminApp({ ...options, token, signal: stopping.signal });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: host, port, onListen: () => {} }, app.fetch);
  } catch (error) {
    throw listenError(error, { what: "Admin", host, port, fix: "admin.port or --admin-port" });
  }
  const url = `http://${urlHost(host)}:${server.addr.port}/`;
  options.log?.log("info", "admin listening", { url });
  return {
    url,
    token,
    tokenFile: path,
    tokenCreated: created,
    async stop() {
      stopping.abort();
      await server.shutdown();
    },
  };
}
