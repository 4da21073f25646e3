/**
 * The registries the client knows: where each is, how to reach it and which
 * secrets to present; and which of them serves a given reference. The shape
 * matches the gateway configuration's `registries:` entries, so the gateway
 * passes those as they are.
 *
 * @module
 */
import { hostnameOf } from "../base/mod.ts";
import { OciError } from "./errors.ts";
import type { OciReference } from "./reference.ts";

/** One registry. Secrets are never inline: only where to read them. */
export interface RegistryConfig {
  /** A name for messages (the key in the gateway configuration). */
  readonly name?: string;
  /**
   * `host[:port]`, optionally with a repository path prefix
   * (`ghcr.io/azure-samples/explore-iot-operations`), as AIO's registry endpoints have.
   */
  readonly host: string;
  /** Speak plain HTTP instead of HTTPS; allowed only for 127.0.0.1, ::1 and localhost. */
  readonly plainHttp?: boolean;
  /** A user name and where its password is (basic auth, or the token server's login). */
  readonly credentials?: {
    readonly username: string;
    readonly passwordFile?: string;
    readonly passwordEnv?: string;
  };
  /** A bearer (or identity/refresh) token, from a file or an environment variable. */
  readonly token?: { readonly file?: string; readonly env?: string };
  /** A PEM CA certificate file to trust for this registry's HTTPS. */
  readonly tls?: { readonly ca?: string };
  /** The largest artifact to download from it, in bytes. @default the client's */
  readonly maxArtifactBytes?: number;
}

/** A registry's host split into its parts. */
export interface RegistryHost {
  /** `host[:port]`, lower case. */
  readonly registry: string;
  /** The path prefix without slashes at either end; empty when there is none. */
  readonly prefix: string;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** True for the loopback hosts plain HTTP is allowed to. */
export function isLoopback(registry: string): boolean {
  return LOOPBACK.has(hostnameOf(registry));
}

/** Splits `host[:port][/prefix]`. */
export function splitHost(host: string): RegistryHost {
  const trimmed = host.trim().replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  const slash = trimmed.indexOf("/");
  return slash < 0
    ? { registry: trimmed.toLowerCase(), prefix: "" }
    : { registry: trimmed.slice(0, slash).toLowerCase(), prefix: trimmed.slice(slash + 1) };
}

function label(config: RegistryConfig): string {
  return config.name === undefined ? `"${config.host}"` : `"${config.name}" (${config.host})`;
}

/**
 * Checks the settings that can be checked without I/O.
 *
 * @throws {OciError} reason `bad_config`: plain HTTP to a host that is not loopback, an
 *   empty host, both secret sources given, or a maximum artifact size below 1 byte.
 */
export function checkRegistryConfig(config: RegistryConfig): void {
  const { registry } = splitHost(config.host);
  if (registry === "") {
    throw new OciError("bad_config", `Registry ${label(config)} has no host, expected host[:port]`);
  }
  if (config.plainHttp === true && !isLoopback(registry)) {
    throw new OciError(
      "bad_config",
      `Registry ${label(config)} asks for plain HTTP to "${hostnameOf(registry)}", expected ` +
        "127.0.0.1, ::1 or localhost (plain HTTP would expose credentials and content; use HTTPS)",
    );
  }
  const credentials = config.credentials;
  if (
    credentials !== undefined &&
    (credentials.passwordFile === undefined) === (credentials.passwordEnv === undefined)
  ) {
    throw new OciError(
      "bad_config",
      `Registry ${label(config)} credentials need exactly one of passwordFile and passwordEnv`,
    );
  }
  if (config.maxArtifactBytes !== undefined) {
    checkMaxArtifactBytes(config.maxArtifactBytes, `Registry ${label(config)}`);
  }
  if (
    config.token !== undefined &&
    (config.token.file === undefined) === (config.token.env === undefined)
  ) {
    throw new OciError(
      "bad_config",
      `Registry ${label(config)} token needs exactly one of file and env`,
    );
  }
}

/**
 * The configured registry that serves a reference: same `host[:port]` and
 * the longest path prefix the repository starts with; else one with the same
 * host whatever its prefix (its credentials still apply); else none.
 */
export function matchRegistry(
  registries: readonly RegistryConfig[],
  ref: OciReference,
): RegistryConfig | undefined {
  let best: RegistryConfig | undefined;
  let bestLength = -1;
  let sameHost: RegistryConfig | undefined;
  for (const config of registries) {
    const { registry, prefix } = splitHost(config.host);
    if (registry !== ref.registry) continue;
    sameHost ??= config;
    const fits = prefix === "" || ref.repository === prefix ||
      ref.repository.startsWith(`${prefix}/`);
    if (fits && prefix.length > bestLength) {
      best = config;
      bestLength = prefix.length;
    }
  }
  return best ?? sameHost;
}

/**
 * Throws unless a maximum artifact size is a whole number of bytes, at least 1.
 *
 * @throws {OciError} reason `bad_config` naming whose setting it is.
 */
export function checkMaxArtifactBytes(value: number, whose: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OciError(
      "bad_config",
      `${whose} has the maximum artifact size ${value}, expected a whole number of bytes, at least 1`,
    );
  }
}
