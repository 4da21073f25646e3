/**
 * The broker endpoints a gateway configuration names, one shape per connector
 * kind as its endpoint schema (`src/connectors/<kind>/endpoint.schema.json`)
 * defines it, defaults applied. The configuration holds them with file paths
 * made absolute; each connector takes the plain object it is given in the
 * same shape. Written once here, the only area both may import, so the two
 * cannot drift apart.
 *
 * @module
 */

/** TLS files (PEM paths) for an encrypted connection. */
export interface TlsFiles {
  /** The CA certificate; the system roots when absent. */
  readonly ca?: string;
  /** The client certificate. */
  readonly cert?: string;
  /** The client private key. */
  readonly key?: string;
}

/** A user name and where its password is; exactly one of the two sources is set. */
export interface Credentials {
  readonly username: string;
  /** A file holding the password (a trailing newline is ignored). */
  readonly passwordFile?: string;
  /** An environment variable holding the password. */
  readonly passwordEnv?: string;
}

/** The MQTT protocol versions an endpoint may speak. */
export type MqttProtocol = "5" | "3.1.1";

/** An MQTT broker. */
export interface MqttEndpoint {
  /** `mqtt://host[:port]` or `mqtts://host[:port]`. */
  readonly url: string;
  /** The client id (default `weir-<endpoint name>`). */
  readonly clientId: string;
  /** @default "5" */
  readonly protocol: MqttProtocol;
  /** QoS of subscriptions and publishes. @default 1 */
  readonly qos: 0 | 1;
  /** @default 60 */
  readonly keepAliveSeconds: number;
  /** How long the broker keeps the session while away; 0 = clean sessions. @default 3600 */
  readonly sessionExpirySeconds: number;
  /** MQTT 5 Receive Maximum: unacknowledged QoS 1 messages in flight to us. @default 1000 */
  readonly receiveMaximum: number;
  readonly tls?: TlsFiles;
  readonly credentials?: Credentials;
  /** Credentials may go over plain `mqtt://` to a broker beyond this machine. @default false */
  readonly insecure: boolean;
}

/** SASL authentication to Kafka brokers; exactly one password source is set. */
export interface KafkaSasl extends Credentials {
  readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
}

/** A Kafka cluster, consumed from or produced to. */
export interface KafkaEndpoint {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: readonly string[];
  /** The client id (default `weir-<endpoint name>`). */
  readonly clientId: string;
  /** The sources' consumer group; absent: `weir-<dataflow name>`. */
  readonly consumerGroup?: string;
  /** @default "all" */
  readonly acks: "all" | "leader" | "none";
  /** @default "none" */
  readonly compression: "none" | "gzip" | "snappy" | "lz4" | "zstd";
  readonly batching: {
    /** @default 5 */
    readonly latencyMs: number;
    /** @default 1000 */
    readonly maxMessages: number;
    /** @default 1048576 */
    readonly maxBytes: number;
  };
  /** TLS to the brokers (present, even empty, means TLS). */
  readonly tls?: TlsFiles;
  readonly sasl?: KafkaSasl;
}

/** A header value of an OpenTelemetry endpoint: text, or where to read it. */
export type OtelHeaderValue =
  | { readonly value: string; readonly file?: undefined; readonly env?: undefined }
  | { readonly file: string; readonly value?: undefined; readonly env?: undefined }
  | { readonly env: string; readonly value?: undefined; readonly file?: undefined };

/** An OpenTelemetry collector (OTLP) results are exported to as metrics. */
export interface OtelEndpoint {
  /** `http(s)://host[:port]` (OTLP/HTTP protobuf) or `grpc(s)://host[:port]` (OTLP/gRPC), no trailing slash. */
  readonly url: string;
  /** Headers of every export, by name. @default {} */
  readonly headers: Readonly<Record<string, OtelHeaderValue>>;
  readonly tls?: TlsFiles;
  readonly batching: {
    /** @default 200 */
    readonly latencyMs: number;
    /** @default 1000 */
    readonly maxMetrics: number;
  };
  /** @default 10000 */
  readonly timeoutMs: number;
  /** Resource attributes. @default { "service.name": "weir" } */
  readonly resource: Readonly<Record<string, string>>;
}
