/**
 * MQTT endpoint settings as the connector uses them, checked from the plain
 * object the gateway passes (the loaded configuration, or a literal in
 * tests), with the same defaults as the configuration schema; and the
 * secrets and TLS files they point at, read when a connection opens.
 *
 * @module
 */
import { readEndpointFile, readSecret } from "../secrets.ts";
import { authorityOf, defined, hostnameOf, isLoopbackHost } from "../../base/mod.ts";
import { ConnectorError } from "../errors.ts";

/** TLS files (PEM paths). */
export interface MqttTlsFiles {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** A user name and where its password is. */
export interface MqttCredentials {
  readonly username: string;
  readonly passwordFile?: string;
  readonly passwordEnv?: string;
}

/** One MQTT endpoint, defaults applied. */
export interface MqttEndpointSettings {
  /** `mqtt://host[:port]` or `mqtts://host[:port]`. */
  readonly url: string;
  /** @default "weir-<endpoint name>" */
  readonly clientId: string;
  /** @default "5" */
  readonly protocol: "5" | "3.1.1";
  /** @default 1 */
  readonly qos: 0 | 1;
  /** @default 60 */
  readonly keepAliveSeconds: number;
  /** 0 = clean sessions. @default 3600 */
  readonly sessionExpirySeconds: number;
  /** MQTT 5 Receive Maximum. @default 1000 */
  readonly receiveMaximum: number;
  readonly tls?: MqttTlsFiles;
  readonly credentials?: MqttCredentials;
  /** Credentials may go over plain `mqtt://` beyond this machine. @default false */
  readonly insecure: boolean;
}

type Obj = Record<string, unknown>;

function optionalString(
  o: Obj,
  key: string,
  problems: string[],
  where: string,
): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v === "") problems.push(`${where}${key} must be a non-empty string`);
  return typeof v === "string" ? v : undefined;
}

function wholeNumber(
  o: Obj,
  key: string,
  fallback: number,
  [min, max]: [number, number],
  problems: string[],
): number {
  const v = o[key] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    problems.push(`${key} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
    return fallback;
  }
  return v;
}

/**
 * Checks an endpoint object and applies the defaults.
 *
 * @throws {ConnectorError} code `connector_config` listing every problem.
 */
export function mqttEndpointSettings(name: string, raw: object): MqttEndpointSettings {
  const o = raw as Obj;
  const problems: string[] = [];
  const url = o.url;
  if (typeof url !== "string" || !/^mqtts?:\/\/[^/?#@\s]+\/?$/.test(url)) {
    problems.push(
      `url must be mqtt://host[:port] or mqtts://host[:port], not ${JSON.stringify(url)}`,
    );
  }
  if (o.kind !== undefined && o.kind !== "mqtt") problems.push(`kind must be "mqtt"`);
  const clientId = optionalString(o, "clientId", problems, "") ?? `weir-${name}`;
  const protocol = o.protocol === undefined || o.protocol === 5 || o.protocol === "5"
    ? "5"
    : o.protocol === "3.1.1"
    ? "3.1.1"
    : (problems.push(`protocol must be 5 or "3.1.1", not ${JSON.stringify(o.protocol)}`), "5");
  const qos = o.qos === undefined ? 1 : o.qos;
  if (qos !== 0 && qos !== 1) problems.push(`qos must be 0 or 1, not ${JSON.stringify(qos)}`);
  const keepAliveSeconds = wholeNumber(o, "keepAliveSeconds", 60, [0, 65535], problems);
  const sessionExpirySeconds = wholeNumber(
    o,
    "sessionExpirySeconds",
    3600,
    [0, 4294967295],
    problems,
  );
  const receiveMaximum = wholeNumber(o, "receiveMaximum", 1000, [1, 65535], problems);
  let tls: MqttTlsFiles | undefined;
  if (o.tls !== undefined && o.tls !== null) {
    const t = o.tls as Obj;
    const ca = optionalString(t, "ca", problems, "tls.");
    const cert = optionalString(t, "cert", problems, "tls.");
    const key = optionalString(t, "key", problems, "tls.");
    tls = {
      ...defined({ ca }),
      ...defined({ cert }),
      ...defined({ key }),
    };
  }
  let credentials: MqttCredentials | undefined;
  if (o.credentials !== undefined && o.credentials !== null) {
    const c = o.credentials as Obj;
    const username = optionalString(c, "username", problems, "credentials.");
    const passwordFile = optionalString(c, "passwordFile", problems, "credentials.");
    const passwordEnv = optionalString(c, "passwordEnv", problems, "credentials.");
    if (username === undefined) problems.push("credentials.username is required");
    if ((passwordFile === undefined) === (passwordEnv === undefined)) {
      problems.push("credentials need exactly one of passwordFile and passwordEnv");
    }
    if ("password" in c) {
      problems.push("credentials.password is not allowed: use passwordFile or passwordEnv");
    }
    credentials = {
      username: username ?? "",
      ...defined({ passwordFile }),
      ...defined({ passwordEnv }),
    };
  }
  if (o.insecure !== undefined && typeof o.insecure !== "boolean") {
    problems.push(`insecure must be true or false, not ${JSON.stringify(o.insecure)}`);
  }
  const insecure = o.insecure === true;
  // The connector is what sends the password, so it refuses a clear-text one itself too.
  if (
    credentials !== undefined && typeof url === "string" && url.startsWith("mqtt://") &&
    !insecure && !isLoopbackHost(authorityOf(url))
  ) {
    problems.push(
      `credentials over plain mqtt:// to "${
        hostnameOf(authorityOf(url))
      }" need insecure: true (or use mqtts://)`,
    );
  }
  if (problems.length > 0) {
    throw new ConnectorError(
      "connector_config",
      `MQTT endpoint "${name}" is unusable: ${problems.join("; ")}`,
    );
  }
  return {
    url: (url as string).replace(/\/$/, ""),
    clientId,
    protocol,
    qos: qos as 0 | 1,
    keepAliveSeconds,
    sessionExpirySeconds,
    receiveMaximum,
    ...defined({ tls }),
    ...defined({ credentials }),
    insecure,
  };
}

/** The secrets and files an endpoint points at, read. */
export interface MqttSecrets {
  readonly username?: string;
  readonly password?: string;
  readonly ca?: Uint8Array;
  readonly cert?: Uint8Array;
  readonly key?: Uint8Array;
}

/**
 * Reads the password (file or environment) and the TLS files of an endpoint.
 *
 * @throws {ConnectorError} code `connector_config` naming the file or variable that is missing.
 */
export function readSecrets(
  name: string,
  settings: MqttEndpointSettings,
  env: (name: string) => string | undefined,
): MqttSecrets {
  const out: { -readonly [K in keyof MqttSecrets]: MqttSecrets[K] } = {};
  const c = settings.credentials;
  if (c !== undefined) {
    out.username = c.username;
    out.password = readSecret(
      `MQTT endpoint "${name}"`,
      c.passwordFile !== undefined ? "password file" : "the password",
      { file: c.passwordFile, env: c.passwordEnv },
      env,
    );
  }
  const t = settings.tls;
  const owner = `MQTT endpoint "${name}"`;
  if (t?.ca !== undefined) out.ca = readEndpointFile(owner, "TLS CA file", t.ca);
  if (t?.cert !== undefined) out.cert = readEndpointFile(owner, "TLS certificate file", t.cert);
  if (t?.key !== undefined) out.key = readEndpointFile(owner, "TLS key file", t.key);
  return out;
}
