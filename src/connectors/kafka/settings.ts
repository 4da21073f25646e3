/**
 * Kafka endpoint settings as the connector uses them, checked from the
 * plain object the gateway passes (the loaded configuration, or a literal in
 * tests) against the endpoint schema, whose defaults they get; and the client
 * options they make, secrets and TLS files read.
 *
 * @module
 */
import endpointSchema from "./endpoint.schema.json" with { type: "json" };
import { defined, type JsonSchema, type KafkaEndpoint, SchemaValidator } from "../../base/mod.ts";
import type { ConnectionOptions as TlsOptions } from "node:tls";
import { Buffer } from "node:buffer";
import { checkedEndpoint } from "../endpoint_schema.ts";
import { readSecret, readTlsFiles } from "../secrets.ts";

/** The Kafka endpoint's JSON Schema (`endpoint.schema.json`). */
export const KAFKA_ENDPOINT_SCHEMA: JsonSchema = endpointSchema;

/** One Kafka endpoint, defaults applied (the shape the configuration holds too). */
export type KafkaEndpointSettings = KafkaEndpoint;

/** The Kafka endpoint schema, compiled: the shape `endpoints.<name>` has in the configuration. */
const SCHEMA = new SchemaValidator(KAFKA_ENDPOINT_SCHEMA);

/**
 * Checks an endpoint object against the endpoint schema and applies its defaults.
 *
 * @throws {ConnectorError} code `connector_config` listing every problem.
 */
export function kafkaEndpointSettings(name: string, raw: object): KafkaEndpointSettings {
  const o = checkedEndpoint(`Kafka endpoint "${name}"`, SCHEMA, raw);
  return {
    brokers: o.brokers as string[],
    clientId: typeof o.clientId === "string" ? o.clientId : `weir-${name}`,
    ...defined({ consumerGroup: o.consumerGroup as string | undefined }),
    acks: o.acks as KafkaEndpointSettings["acks"],
    compression: o.compression as KafkaEndpointSettings["compression"],
    batching: o.batching as KafkaEndpointSettings["batching"],
    ...defined({ tls: o.tls as KafkaEndpointSettings["tls"] }),
    ...defined({ sasl: o.sasl as KafkaEndpointSettings["sasl"] }),
  };
}

/** What the Kafka client gets for TLS and SASL, secrets read. */
export interface KafkaSecurity {
  readonly tls?: TlsOptions;
  readonly sasl?: {
    readonly mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
    readonly username: string;
    readonly password: string;
  };
}

/**
 * Reads the password and TLS files of an endpoint.
 *
 * @throws {ConnectorError} code `connector_config` naming the file or variable that is missing.
 */
export function readKafkaSecurity(
  name: string,
  settings: KafkaEndpointSettings,
  env: (name: string) => string | undefined,
): KafkaSecurity {
  const owner = `Kafka endpoint "${name}"`;
  const pem = settings.tls === undefined ? undefined : readTlsFiles(owner, settings.tls);
  const buffer = (bytes: Uint8Array | undefined) =>
    bytes === undefined ? undefined : Buffer.from(bytes);
  const tls: TlsOptions | undefined = pem === undefined ? undefined : {
    rejectUnauthorized: true,
    ...defined({ ca: buffer(pem.ca), cert: buffer(pem.cert), key: buffer(pem.key) }),
  };
  const s = settings.sasl;
  const sasl = s === undefined ? undefined : {
    mechanism: s.mechanism.toUpperCase() as "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512",
    username: s.username,
    password: readSecret(
      owner,
      "the SASL password",
      s.passwordFile === undefined ? { env: s.passwordEnv! } : { file: s.passwordFile },
      env,
    ),
  };
  return { ...defined({ tls }), ...defined({ sasl }) };
}
