/**
 * The gateway configuration after loading: defaults applied, relative paths
 * made absolute, sizes in bytes. Secrets are never in it: only where to find
 * them (a file or an environment variable).
 *
 * @module
 */
import type { Credentials, KafkaEndpoint, MqttEndpoint, OtelEndpoint } from "../base/mod.ts";

export type {
  Credentials,
  KafkaSasl,
  MqttProtocol,
  OtelHeaderValue,
  TlsFiles,
} from "../base/mod.ts";

/** Log levels, lowest first (the same names the telemetry layer uses). */
export type ConfigLogLevel = "debug" | "info" | "warn" | "error";

/** An MQTT broker the gateway connects to (file paths absolute). */
export interface MqttEndpointConfig extends MqttEndpoint {
  readonly kind: "mqtt";
}

/** A Kafka cluster the gateway consumes from or produces to (file paths absolute). */
export interface KafkaEndpointConfig extends KafkaEndpoint {
  readonly kind: "kafka";
  /** SASL plain without TLS to brokers beyond this machine. @default false */
  readonly insecure: boolean;
}

/** An OpenTelemetry collector (OTLP) results are exported to as metrics (file paths absolute). */
export interface OtelEndpointConfig extends OtelEndpoint {
  readonly kind: "otel";
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
