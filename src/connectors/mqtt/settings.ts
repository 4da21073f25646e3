/**
 * MQTT endpoint settings as the connector uses them, checked from the plain
 * object the gateway passes (the loaded configuration, or a literal in
 * tests) against the endpoint schema, whose defaults they get; and the
 * secrets and TLS files they point at, read when a connection opens.
 *
 * @module
 */
import endpointSchema from "./endpoint.schema.json" with { type: "json" };
import { readSecret, readTlsFiles } from "../secrets.ts";
import { checkedEndpoint } from "../endpoint_schema.ts";
import {
  authorityOf,
  type Credentials,
  defined,
  hostnameOf,
  isLoopbackHost,
  type JsonSchema,
  type MqttEndpoint,
  SchemaValidator,
  type TlsFiles,
} from "../../base/mod.ts";

/** The MQTT endpoint's JSON Schema (`endpoint.schema.json`). */
export const MQTT_ENDPOINT_SCHEMA: JsonSchema = endpointSchema;

/** One MQTT endpoint, defaults applied (the shape the configuration holds too). */
export type MqttEndpointSettings = MqttEndpoint;

/** The MQTT endpoint schema, compiled: the shape `endpoints.<name>` has in the configuration. */
const SCHEMA = new SchemaValidator(MQTT_ENDPOINT_SCHEMA);

/**
 * Checks an endpoint object against the endpoint schema and applies its
 * defaults. Beyond the schema: the connector is what sends the password, so
 * it refuses a clear-text one to another machine itself too.
 *
 * @throws {ConnectorError} code `connector_config` listing every problem.
 */
export function mqttEndpointSettings(name: string, raw: object): MqttEndpointSettings {
  const o = checkedEndpoint(`MQTT endpoint "${name}"`, SCHEMA, raw, (value) => {
    const url = typeof value.url === "string" ? value.url : "";
    const plain = url.startsWith("mqtt://") && !isLoopbackHost(authorityOf(url));
    return value.credentials !== undefined && plain && value.insecure !== true
      ? [
        `credentials over plain mqtt:// to "${
          hostnameOf(authorityOf(url))
        }" need insecure: true (or use mqtts://)`,
      ]
      : [];
  });
  return {
    url: (o.url as string).replace(/\/$/, ""),
    clientId: typeof o.clientId === "string" ? o.clientId : `weir-${name}`,
    protocol: String(o.protocol) as MqttEndpointSettings["protocol"],
    qos: o.qos as 0 | 1,
    keepAliveSeconds: o.keepAliveSeconds as number,
    sessionExpirySeconds: o.sessionExpirySeconds as number,
    receiveMaximum: o.receiveMaximum as number,
    ...defined({ tls: o.tls as TlsFiles | undefined }),
    ...defined({ credentials: o.credentials as Credentials | undefined }),
    insecure: o.insecure as boolean,
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
  const tls = settings.tls === undefined
    ? {}
    : readTlsFiles(`MQTT endpoint "${name}"`, settings.tls);
  return { ...out, ...tls };
}
