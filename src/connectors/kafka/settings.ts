/**
 * Kafka endpoint settings as the connector uses them, checked from the
 * plain object the gateway passes (the loaded configuration, or a literal in
 * tests) with the configuration schema's defaults; and the client options
 * they make, secrets and TLS files read.
 *
 * @module
 */
import { defined } from "../../base/mod.ts";
import type { ConnectionOptions as TlsOptions } from "node:tls";
import { Buffer } from "node:buffer";
import { ConnectorError } from "../errors.ts";
import { readEndpointFile, readSecret } from "../secrets.ts";

/** One Kafka endpoint, defaults applied. */
export interface KafkaEndpointSettings {
  readonly brokers: readonly string[];
  /** @default "weir-<endpoint name>" */
  readonly clientId: string;
  /** @default "weir-<dataflow>" */
  readonly consumerGroup?: string;
  /** @default "all" */
  readonly acks: "all" | "leader" | "none";
  /** @default "none" */
  readonly compression: "none" | "gzip" | "snappy" | "lz4" | "zstd";
  readonly batching: {
    readonly latencyMs: number;
    readonly maxMessages: number;
    readonly maxBytes: number;
  };
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl?: {
    readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
    readonly username: string;
    readonly passwordFile?: string;
    readonly passwordEnv?: string;
  };
}

type Obj = Record<string, unknown>;

const ACKS = ["all", "leader", "none"] as const;
const COMPRESSIONS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
const MECHANISMS = ["plain", "scram-sha-256", "scram-sha-512"] as const;

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  fallback: T,
  what: string,
  problems: string[],
): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
    return value as T;
  }
  problems.push(`${what} must be one of ${allowed.join(", ")}, not ${JSON.stringify(value)}`);
  return fallback;
}

function whole(value: unknown, fallback: number, min: number, what: string, p: string[]): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    p.push(`${what} must be a whole number of at least ${min}, not ${JSON.stringify(v)}`);
    return fallback;
  }
  return v;
}

/**
 * Checks an endpoint object and applies the defaults.
 *
 * @throws {ConnectorError} code `connector_config` listing every problem.
 */
export function kafkaEndpointSettings(name: string, raw: object): KafkaEndpointSettings {
  const o = raw as Obj;
  const problems: string[] = [];
  if (o.kind !== "kafka") problems.push(`kind must be "kafka"`);
  const brokers = Array.isArray(o.brokers) ? o.brokers : [];
  if (brokers.length === 0 || brokers.some((b) => typeof b !== "string" || !/:[0-9]+$/.test(b))) {
    problems.push(
      `brokers must be a non-empty list of host:port, not ${JSON.stringify(o.brokers)}`,
    );
  }
  const clientId = typeof o.clientId === "string" ? o.clientId : `weir-${name}`;
  const batching = (o.batching ?? {}) as Obj;
  const settings: KafkaEndpointSettings = {
    brokers: brokers as string[],
    clientId,
    ...(typeof o.consumerGroup === "string" ? { consumerGroup: o.consumerGroup } : {}),
    acks: oneOf(o.acks, ACKS, "all", "acks", problems),
    compression: oneOf(o.compression, COMPRESSIONS, "none", "compression", problems),
    batching: {
      latencyMs: whole(batching.latencyMs, 5, 0, "batching.latencyMs", problems),
      maxMessages: whole(batching.maxMessages, 1000, 1, "batching.maxMessages", problems),
      maxBytes: whole(batching.maxBytes, 1048576, 1, "batching.maxBytes", problems),
    },
    ...(o.tls !== undefined && o.tls !== null ? { tls: o.tls as Obj } : {}),
    ...(o.sasl !== undefined && o.sasl !== null
      ? {
        sasl: {
          ...(o.sasl as Obj),
          mechanism: oneOf(
            (o.sasl as Obj).mechanism,
            MECHANISMS,
            "plain",
            "sasl.mechanism",
            problems,
          ),
          username: String((o.sasl as Obj).username ?? ""),
        },
      }
      : {}),
  };
  const sasl = settings.sasl;
  if (
    sasl !== undefined && (sasl.passwordFile === undefined) === (sasl.passwordEnv === undefined)
  ) {
    problems.push("sasl needs exactly one of passwordFile and passwordEnv");
  }
  if (problems.length > 0) {
    throw new ConnectorError(
      "connector_config",
      `Kafka endpoint "${name}" is unusable: ${problems.join("; ")}`,
    );
  }
  return settings;
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
  const t = settings.tls;
  const tls: TlsOptions | undefined = t === undefined ? undefined : {
    rejectUnauthorized: true,
    ...(t.ca === undefined
      ? {}
      : { ca: Buffer.from(readEndpointFile(owner, "TLS CA file", t.ca)) }),
    ...(t.cert === undefined
      ? {}
      : { cert: Buffer.from(readEndpointFile(owner, "TLS certificate file", t.cert)) }),
    ...(t.key === undefined
      ? {}
      : { key: Buffer.from(readEndpointFile(owner, "TLS key file", t.key)) }),
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
