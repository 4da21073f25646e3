/**
 * Turns a checked configuration value (schema defaults already applied)
 * into the typed {@linkcode GatewayConfig}: computed defaults, absolute
 * paths, sizes in bytes, configuration values as strings.
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import { isAbsolute, join, resolve } from "node:path";
import type {
  AdminConfig,
  Credentials,
  DataflowConfig,
  EndpointConfig,
  GatewayConfig,
  KafkaEndpointConfig,
  KafkaSasl,
  MlConfig,
  MqttProtocol,
  OtelEndpointConfig,
  OtelHeaderValue,
  QueueConfig,
  RegistryEndpointConfig,
  StateConfig,
  TlsFiles,
} from "./types.ts";

type Obj = Record<string, unknown>;

/** Where relative paths start and what the data directory defaults to. */
export interface BuildOptions {
  /** The directory relative paths are resolved against. */
  readonly baseDir: string;
  /** The data directory when the file names none. */
  readonly defaultDataDir: string;
}

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** Bytes of a size: a whole number, or text such as `"256MiB"` (already pattern-checked). */
export function parseSize(value: number | string): number {
  if (typeof value === "number") return value;
  const m = /^([0-9]+(?:\.[0-9]+)?) ?([A-Za-z]+)$/.exec(value);
  if (m === null) throw new RangeError(`Size "${value}" is malformed`);
  return Math.floor(Number(m[1]) * (UNITS[m[2]!] ?? NaN));
}

/** Builds the typed configuration from a value that passed every check. */
export function buildConfig(value: Obj, source: string, options: BuildOptions): GatewayConfig {
  const path = (p: string) => isAbsolute(p) ? p : resolve(options.baseDir, p);
  const endpoints: Record<string, EndpointConfig> = {};
  for (const [name, raw] of Object.entries(value.endpoints as Obj)) {
    endpoints[name] = endpoint(name, raw as Obj, path);
  }
  const dataflows: Record<string, DataflowConfig> = {};
  for (const [name, raw] of Object.entries(value.dataflows as Obj)) {
    dataflows[name] = dataflow(raw as Obj, path);
  }
  const queue = value.queue as Obj;
  const queueConfig: QueueConfig = {
    maxBytes: parseSize(queue.maxBytes as number | string),
    maxAgeSeconds: queue.maxAgeSeconds as number,
    policy: queue.policy as QueueConfig["policy"],
    ...(queue.deadLetterMaxBytes === undefined
      ? {}
      : { deadLetterMaxBytes: parseSize(queue.deadLetterMaxBytes as number | string) }),
  };
  return {
    source,
    endpoints,
    dataflows,
    dataDir: typeof value.dataDir === "string" ? path(value.dataDir) : options.defaultDataDir,
    logging: { level: (value.logging as Obj).level as GatewayConfig["logging"]["level"] },
    queue: queueConfig,
    state: stateConfig((value.state ?? {}) as Obj),
    registries: registriesConfig((value.registries ?? {}) as Obj, path),
    allowAnyRegistry: value.allowAnyRegistry === true,
    admin: adminConfig(value.admin as Obj),
    ml: mlConfig((value.ml ?? {}) as Obj, path),
  };
}

function stateConfig(raw: Obj): StateConfig {
  return {
    maxBytes: parseSize((raw.maxBytes as number | string | undefined) ?? 67108864),
    maxKeys: (raw.maxKeys as number | undefined) ?? 100_000,
  };
}

function mlConfig(raw: Obj, path: (p: string) => string): MlConfig {
  const models: Record<string, string> = {};
  for (const [name, model] of Object.entries((raw.models ?? {}) as Obj)) {
    models[name] = path((model as Obj).file as string);
  }
  return {
    enabled: (raw.enabled as boolean | undefined) ?? true,
    maxModelBytes: parseSize((raw.maxModelBytes as number | string | undefined) ?? 52428800),
    computeTimeoutMs: (raw.computeTimeoutMs as number | undefined) ?? 5000,
    models,
  };
}

function adminConfig(raw: Obj): AdminConfig {
  return {
    enabled: raw.enabled as boolean,
    host: raw.host as string,
    port: raw.port as number,
    allowRemote: raw.allowRemote as boolean,
  };
}

function tlsFiles(raw: unknown, path: (p: string) => string): TlsFiles | undefined {
  if (raw === undefined || raw === null) return undefined;
  const t = raw as Obj;
  return {
    ...(typeof t.ca === "string" ? { ca: path(t.ca) } : {}),
    ...(typeof t.cert === "string" ? { cert: path(t.cert) } : {}),
    ...(typeof t.key === "string" ? { key: path(t.key) } : {}),
  };
}

function endpoint(name: string, raw: Obj, path: (p: string) => string): EndpointConfig {
  if (raw.kind === "kafka") return kafkaEndpoint(name, raw, path);
  if (raw.kind === "otel") return otelEndpoint(raw, path);
  const tls = tlsFiles(raw.tls, path);
  let credentials: Credentials | undefined;
  if (raw.credentials !== undefined) {
    const c = raw.credentials as Obj;
    credentials = typeof c.passwordFile === "string"
      ? { username: c.username as string, passwordFile: path(c.passwordFile) }
      : { username: c.username as string, passwordEnv: c.passwordEnv as string };
  }
  return {
    kind: "mqtt",
    url: (raw.url as string).replace(/\/$/, ""),
    clientId: typeof raw.clientId === "string" ? raw.clientId : `weir-${name}`,
    protocol: String(raw.protocol) as MqttProtocol,
    qos: raw.qos as 0 | 1,
    keepAliveSeconds: raw.keepAliveSeconds as number,
    sessionExpirySeconds: raw.sessionExpirySeconds as number,
    receiveMaximum: raw.receiveMaximum as number,
    ...defined({ tls }),
    ...defined({ credentials }),
    insecure: raw.insecure === true,
  };
}

function kafkaEndpoint(name: string, raw: Obj, path: (p: string) => string): KafkaEndpointConfig {
  const tls = tlsFiles(raw.tls, path);
  const s = raw.sasl as Obj | undefined;
  const batching = raw.batching as Obj;
  return {
    kind: "kafka",
    brokers: [...raw.brokers as string[]],
    clientId: typeof raw.clientId === "string" ? raw.clientId : `weir-${name}`,
    ...(typeof raw.consumerGroup === "string" ? { consumerGroup: raw.consumerGroup } : {}),
    acks: raw.acks as KafkaEndpointConfig["acks"],
    compression: raw.compression as KafkaEndpointConfig["compression"],
    batching: {
      latencyMs: batching.latencyMs as number,
      maxMessages: batching.maxMessages as number,
      maxBytes: batching.maxBytes as number,
    },
    ...defined({ tls }),
    ...(s === undefined ? {} : {
      sasl: {
        mechanism: s.mechanism as KafkaSasl["mechanism"],
        username: s.username as string,
        ...(typeof s.passwordFile === "string"
          ? { passwordFile: path(s.passwordFile) }
          : { passwordEnv: s.passwordEnv as string }),
      },
    }),
    insecure: raw.insecure === true,
  };
}

function otelEndpoint(raw: Obj, path: (p: string) => string): OtelEndpointConfig {
  const tls = tlsFiles(raw.tls, path);
  const headers: Record<string, OtelHeaderValue> = {};
  for (const [name, value] of Object.entries((raw.headers ?? {}) as Obj)) {
    const v = value as string | Obj;
    headers[name] = typeof v === "string"
      ? { value: v }
      : typeof v.value === "string"
      ? { value: v.value }
      : typeof v.file === "string"
      ? { file: path(v.file) }
      : { env: v.env as string };
  }
  const batching = raw.batching as Obj;
  return {
    kind: "otel",
    url: (raw.url as string).replace(/\/$/, ""),
    headers,
    ...defined({ tls }),
    batching: {
      latencyMs: batching.latencyMs as number,
      maxMetrics: batching.maxMetrics as number,
    },
    timeoutMs: raw.timeoutMs as number,
    resource: { "service.name": "weir", ...(raw.resource ?? {}) as Record<string, string> },
  };
}

function dataflow(raw: Obj, path: (p: string) => string): DataflowConfig {
  const source = raw.source as Obj;
  const destination = raw.destination as Obj;
  const deadLetter = raw.deadLetter as Obj | undefined;
  const configuration: Record<string, string> = {};
  for (const [k, v] of Object.entries((raw.configuration ?? {}) as Obj)) {
    configuration[k] = String(v);
  }
  const graph = raw.graph as Obj | null | undefined;
  const timing = (raw.timing ?? {}) as Obj;
  return {
    source: {
      endpoint: source.endpoint as string,
      topics: [...source.topics as string[]],
      ...(typeof source.sharedGroup === "string" ? { sharedGroup: source.sharedGroup } : {}),
    },
    ...(graph === undefined || graph === null
      ? {}
      : typeof graph.ref === "string"
      ? { graph: { ref: graph.ref, watchSeconds: (graph.watchSeconds as number) ?? 0 } }
      : { graph: { file: path(graph.file as string) } }),
    configuration,
    timing: {
      idleMs: (timing.idleMs as number) ?? 1000,
      latenessMs: (timing.latenessMs as number) ?? 0,
      maxClockDriftMs: (timing.maxClockDriftMs as number) ?? 60_000,
    },
    destination: {
      endpoint: destination.endpoint as string,
      topic: typeof destination.topic === "string" ? destination.topic : "",
      ...(typeof destination.key === "string" ? { key: destination.key } : {}),
    },
    ...(deadLetter === undefined ? {} : {
      deadLetter: { endpoint: deadLetter.endpoint as string, topic: deadLetter.topic as string },
    }),
  };
}

function registriesConfig(
  raw: Obj,
  path: (p: string) => string,
): Record<string, RegistryEndpointConfig> {
  const registries: Record<string, RegistryEndpointConfig> = {};
  for (const [name, value] of Object.entries(raw)) {
    const r = value as Obj;
    const c = r.credentials as Obj | undefined;
    const t = r.token as Obj | undefined;
    const tls = r.tls as Obj | undefined;
    registries[name] = {
      host: (r.host as string).replace(/\/+$/, ""),
      plainHttp: r.plainHttp === true,
      ...(c === undefined ? {} : {
        credentials: typeof c.passwordFile === "string"
          ? { username: c.username as string, passwordFile: path(c.passwordFile) }
          : { username: c.username as string, passwordEnv: c.passwordEnv as string },
      }),
      ...(t === undefined ? {} : {
        token: typeof t.file === "string" ? { file: path(t.file) } : { env: t.env as string },
      }),
      ...(typeof tls?.ca === "string" ? { tls: { ca: path(tls.ca) } } : {}),
      ...(r.maxArtifactBytes === undefined
        ? {}
        : { maxArtifactBytes: parseSize(r.maxArtifactBytes as number | string) }),
    };
  }
  return registries;
}

/**
 * The data directory when the file names none: `/var/lib/weir` for a file
 * under `/etc` (an installed service), else `.weir` beside the file.
 */
export function defaultDataDir(baseDir: string): string {
  const dir = resolve(baseDir);
  return dir === "/etc" || dir.startsWith("/etc/") ? "/var/lib/weir" : join(dir, ".weir");
}
