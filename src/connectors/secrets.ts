/**
 * Secrets and TLS files an endpoint points at, read when its connection
 * opens: a password or header value from a file (a trailing newline is
 * ignored) or an environment variable, and PEM files. Every failure names
 * the endpoint and the file or variable, in the same words for every kind.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { defined, resolveSecret, type SecretRef, type TlsFiles } from "../base/mod.ts";
import { ConnectorError } from "./errors.ts";

export type { SecretRef } from "../base/mod.ts";

/**
 * The bytes of a file an endpoint needs.
 *
 * @throws {ConnectorError} code `connector_config` naming the file.
 */
export function readEndpointFile(owner: string, what: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConnectorError(
      "connector_config",
      `${owner}: cannot read ${what} "${path}": ${reason}`,
      { cause: error },
    );
  }
}

/**
 * A secret's text.
 *
 * @throws {ConnectorError} code `connector_config` naming the file or the unset variable.
 */
export function readSecret(
  owner: string,
  what: string,
  ref: SecretRef,
  env: (name: string) => string | undefined,
): string {
  const result = resolveSecret(ref, { readFile: (path) => readFileSync(path), env });
  if ("text" in result) return result.text;
  throw new ConnectorError(
    "connector_config",
    ref.file !== undefined
      ? `${owner}: ${result.problem.replace(/^cannot read /, `cannot read ${what} `)}`
      : `${owner}: ${result.problem.replace(/ is not set$/, ` for ${what} is not set`)}`,
    result.cause === undefined ? {} : { cause: result.cause },
  );
}

/** The PEM files of an endpoint's TLS settings, read. */
export interface TlsPem {
  readonly ca?: Uint8Array;
  readonly cert?: Uint8Array;
  readonly key?: Uint8Array;
}

/**
 * Reads the TLS files an endpoint names.
 *
 * @throws {ConnectorError} code `connector_config` naming the file that cannot be read.
 */
export function readTlsFiles(owner: string, tls: TlsFiles): TlsPem {
  const read = (what: string, path: string | undefined) =>
    path === undefined ? undefined : readEndpointFile(owner, what, path);
  return {
    ...defined({ ca: read("TLS CA file", tls.ca) }),
    ...defined({ cert: read("TLS certificate file", tls.cert) }),
    ...defined({ key: read("TLS key file", tls.key) }),
  };
}
