/**
 * Secrets and TLS files an endpoint points at, read when its connection
 * opens: a password or header value from a file (a trailing newline is
 * ignored) or an environment variable, and PEM files. Every failure names
 * the endpoint and the file or variable.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { resolveSecret, type SecretRef } from "../base/mod.ts";
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
