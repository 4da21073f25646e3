/**
 * The gateway configuration after loading: defaults applied, relative paths
 * made absolute, sizes in bytes. Secrets are never in it: only where to find
 * them (a file or an environment variable).
 *
 * @module
 */

/** Log levels, lowest first (the same names the telemetry layer uses). */
export type ConfigLogLevel = "debug" | "info" | "warn" | "error";

/** The MQTT protocol versions an endpoint may speak. */
export type MqttProtocol = "5" | "3.1.1";

/** TLS files (absolute paths) for an `mqtts://` endpoint. */
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
  /** A file holding the password (absolute path; a trailing newline is ignored). */
  readonly passwordFile?: string;
  /** An environment variable holding the password. */
  readonly passwordEnv?: string;
}

/** An MQTT broker the gateway connects to. */
export interface MqttEndpointConfig {
  readonly kind: "mqtt";
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
export interface KafkaSasl {
  readonly mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
  readonly username: string;
  /** A file holding the password (absolute path; a trailing newline is ignored). */
  readonly passwordFile?: string;
  /** An environment variable holding the password. */
  readonly passwordEnv?: string;
}

/** A Kafka cluster the gateway consumes from or produces to. */
export interface KafkaEndpointConfig {
  readonly kind: "kafka";
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
  /** SASL plain without TLS to brokers beyond this machine. @default false */
  readonly insecure: boolean;
}

/** A header value of an OpenTelemetry endpoint: text, or where to read it. */
export type HeaderValueConfig =
  | { readonly value: string; readonly file?: undefined; readonly env?: undefined }
  | { readonly file: string; readonly value?: undefined; readonly env?: undefined }
  | { readonly env: string; readonly value?: undefined; readonly file?: undefined };

/** An OpenTelemetry collector (OTLP) results are exported to as metrics. */
export interface OtelEndpointConfig {
  readonly kind: "otel";
  /** `http(s)://host[:port]` (OTLP/HTTP protobuf) or `grpc(s)://host[:port]` (OTLP/gRPC). */
  readonly url: string;
  /** Headers of every export, by name. @default {} */
  readonly headers: Readonly<Record<string, HeaderValueConfig>>;
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

/** Any endpoint, by kind. */
export type EndpointConfig = MqttEndpointConfig | KafkaEndpointConfig | OtelEndpointConfig;

/** Where a dataflow reads. */
export interface DataflowSource {
  /** An endpoint name (checked to exist). */
  readonly endpoint: string;
  /** MQTT topic filters or Kafka topic names. */
  readonly topics: readonly string[];
  /** MQTT: subscribe as `$share/<group>/<filter>`. */
  readonly sharedGroup?: string;
}

/** Where a dataflow writes. */
export interface DataflowDestination {
  /** An endpoint name (checked to exist). */
  readonly endpoint: string;
  /**
   * The MQTT topic (`${outputTopic}` stands for each result message's topic) or the
   * Kafka topic; empty for an OpenTelemetry destination, which has none.
   */
  readonly topic: string;
  /** Kafka: the record key (fixed, `${inputTopic}` or `${property:<name>}`); absent: none. */
  readonly key?: string;
}

/** Where a dataflow's graph comes from: exactly one of `file` and `ref`. */
export type GraphSource =
  | { readonly file: string; readonly ref?: undefined; readonly watchSeconds?: undefined }
  | {
    readonly ref: string;
    readonly file?: undefined;
    /** Re-pull the tag every so many seconds; 0 = never. */
    readonly watchSeconds: number;
  };

/** One dataflow: source → graph (or a plain bridge) → destination. */
export interface DataflowConfig {
  readonly source: DataflowSource;
  /** The graph: a definition file (absolute path) or an OCI reference; absent for a plain bridge. */
  readonly graph?: GraphSource;
  /** Graph configuration values by key, as strings (AIO's key/value list). */
  readonly configuration: Readonly<Record<string, string>>;
  /**
   * Event time: idle period before the frontier follows the wall clock, allowed lateness
   * (for windows), and how far ahead of the gateway's clock a message's `__ts` may be.
   */
  readonly timing: {
    readonly idleMs: number;
    readonly latenessMs: number;
    readonly maxClockDriftMs: number;
  };
  readonly destination: DataflowDestination;
  /** Where dead letters are also published (they are kept in the gateway either way). */
  readonly deadLetter?: DataflowDestination;
}

/** What the store-and-forward queue does when full. */
export type QueuePolicy = "drop-oldest" | "reject-new";

/** Bounds of the store-and-forward queue. */
export interface QueueConfig {
  /** @default 268435456 (256 MiB) */
  readonly maxBytes: number;
  /** @default 604800 (7 days) */
  readonly maxAgeSeconds: number;
  /** @default "drop-oldest" */
  readonly policy: QueuePolicy;
  /** The dead letters' own budget. @default a tenth of maxBytes, at least 1 MiB */
  readonly deadLetterMaxBytes?: number;
}

/** Bounds of each dataflow's state store (the modules' key/value store). */
export interface StateConfig {
  /** Bytes of keys and values together. @default 67108864 (64 MiB) */
  readonly maxBytes: number;
  /** @default 100000 */
  readonly maxKeys: number;
}

/** Machine-learning inference for modules (wasi-nn). */
export interface MlConfig {
  /** The gateway's switch for wasi-nn. @default true */
  readonly enabled: boolean;
  /** The largest model a module may load. @default 52428800 (50 MiB) */
  readonly maxModelBytes: number;
  /** The longest one compute may take. @default 5000 */
  readonly computeTimeoutMs: number;
  /** Models for `load-by-name`: name → absolute file path. @default {} */
  readonly models: Readonly<Record<string, string>>;
}

/** The admin API and page. */
export interface AdminConfig {
  /** @default true */
  readonly enabled: boolean;
  /** @default "127.0.0.1" */
  readonly host: string;
  /** 0 for any free port. @default 8080 */
  readonly port: number;
  /** Whether a non-loopback host was allowed on purpose. @default false */
  readonly allowRemote: boolean;
}

/** A token from a file or an environment variable; exactly one of the two is set. */
export interface TokenSource {
  /** A file holding the token (absolute path; a trailing newline is ignored). */
  readonly file?: string;
  /** An environment variable holding the token. */
  readonly env?: string;
}

/**
 * An OCI registry graphs and modules are pulled from. The same shape as the
 * OCI client's `RegistryConfig`, so entries pass to it as they are.
 */
export interface RegistryEndpointConfig {
  /** `host[:port]`, optionally with a repository path prefix. */
  readonly host: string;
  /** Plain HTTP instead of HTTPS (loopback hosts only). @default false */
  readonly plainHttp: boolean;
  /** For basic auth and the registry's token server. */
  readonly credentials?: Credentials;
  /** A bearer or identity token. */
  readonly token?: TokenSource;
  /** A CA certificate (absolute path) to trust for the registry's HTTPS. */
  readonly tls?: { readonly ca?: string };
  /** The largest artifact to pull from it, in bytes. @default the OCI client's (256 MiB) */
  readonly maxArtifactBytes?: number;
}

/** The whole gateway configuration. */
export interface GatewayConfig {
  /** The file (or label) it was loaded from. */
  readonly source: string;
  readonly endpoints: Readonly<Record<string, EndpointConfig>>;
  readonly dataflows: Readonly<Record<string, DataflowConfig>>;
  /** Absolute path of the data directory. */
  readonly dataDir: string;
  readonly logging: { readonly level: ConfigLogLevel };
  readonly queue: QueueConfig;
  /** The quota of every dataflow's state store. */
  readonly state: StateConfig;
  /** OCI registries by name. @default {} */
  readonly registries: Readonly<Record<string, RegistryEndpointConfig>>;
  /** Pull from any registry, not only those under `registries` and loopback. @default false */
  readonly allowAnyRegistry: boolean;
  readonly admin: AdminConfig;
  /** wasi-nn inference. */
  readonly ml: MlConfig;
}
