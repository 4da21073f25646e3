/**
 * Secrets and TLS files an endpoint points at, read when its connection
 * opens: a password or header value from a file (a trailing newline is
 * ignored) or an environment variable, and PEM files. Every failure names
 * the endpoint and the file or variable.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { ConnectorError } from "./errors.ts";

/** Where a secret is: a file or an environment variable (exactly one). */
export interface SecretRef {
  readonly file?: string;
  readonly env?: string;
}

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
  if (ref.file !== undefined) {
    return new TextDecoder().decode(readEndpointFile(owner, what, ref.file)).replace(/\r?\n$/, "");
  }
  const value = ref.env === undefined ? undefined : env(ref.env);
  if (value === undefined) {
    throw new ConnectorError(
      "connector_config",
      `${owner}: environment variable "${ref.env ?? ""}" for ${what} is not set`,
    );
  }
  return value;
}
