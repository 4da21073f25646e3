/**
 * Reads a registry's secrets from where the configuration says they are, at
 * the moment they are needed, so a rotated password file is picked up
 * without a restart.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { resolveSecret, type SecretRef } from "../base/mod.ts";
import { OciError } from "./errors.ts";
import type { RegistryConfig } from "./registry_config.ts";

/** A user name and its password. */
export interface BasicSecret {
  readonly username: string;
  readonly password: string;
}

/** Read when needed, so a rotated password file is picked up without a restart. */
function readSecret(registry: string, what: string, source: SecretRef): Promise<string> {
  const result = resolveSecret(source, {
    readFile: (path) => readFileSync(path),
    env: (name) => process.env[name],
  });
  if ("text" in result) return Promise.resolve(result.text);
  const message = source.file !== undefined
    ? `Cannot read the ${what} file of registry "${registry}": ${result.problem}`
    : `The ${what} of registry "${registry}" is in the ${
      result.problem.replace(/ is not set$/, ", which is not set")
    }`;
  return Promise.reject(
    new OciError("bad_config", message, result.cause === undefined ? {} : { cause: result.cause }),
  );
}

/** The basic credentials of a registry, or undefined when it has none. */
export async function basicSecret(
  config: RegistryConfig | undefined,
): Promise<BasicSecret | undefined> {
  const credentials = config?.credentials;
  if (config === undefined || credentials === undefined) return undefined;
  const password = await readSecret(config.host, "password", {
    file: credentials.passwordFile,
    env: credentials.passwordEnv,
  });
  return { username: credentials.username, password };
}

/** The configured token of a registry, or undefined when it has none. */
export async function tokenSecret(config: RegistryConfig | undefined): Promise<string | undefined> {
  if (config?.token === undefined) return undefined;
  return await readSecret(config.host, "token", config.token);
}
