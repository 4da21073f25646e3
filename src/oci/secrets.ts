/**
 * Reads a registry's secrets from where the configuration says they are, at
 * the moment they are needed, so a rotated password file is picked up
 * without a restart.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import { OciError } from "./errors.ts";
import type { RegistryConfig } from "./registry_config.ts";

/** A user name and its password. */
export interface BasicSecret {
  readonly username: string;
  readonly password: string;
}

async function readSecret(
  registry: string,
  what: string,
  source: { file?: string | undefined; env?: string | undefined },
): Promise<string> {
  if (source.file !== undefined) {
    try {
      return (await readFile(source.file, "utf8")).replace(/\r?\n$/, "");
    } catch (error) {
      throw new OciError(
        "bad_config",
        `Cannot read the ${what} file "${source.file}" of registry "${registry}": ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }
  const value = source.env === undefined ? undefined : process.env[source.env];
  if (value === undefined || value === "") {
    throw new OciError(
      "bad_config",
      `The ${what} of registry "${registry}" is in the environment variable "${source.env}", which is not set`,
    );
  }
  return value;
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
