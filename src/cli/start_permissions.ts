/**
 * The Deno permissions `weir start` needs, computed from what it will run:
 * read the code, the configuration and the files it names; write the data
 * directory; reach the configured brokers, registries and listeners; read the
 * environment variables Weir and its packages read; load ONNX Runtime's
 * add-on. The release's `bin/weir` asks for them (`weir start
 * --print-deno-flags …`) and starts the gateway with exactly these, so a
 * configuration change needs a restart, never a wider grant.
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { authorityOf, registryOfReference, WeirError } from "../base/mod.ts";
import type { EndpointConfig, GatewayConfig } from "../config/mod.ts";

/**
 * Environment variables read whatever the configuration says: Weir's own
 * (`OTEL_DENO`; the rest of `OTEL_*` Deno reads natively, and they are
 * granted so tools built on `@opentelemetry/api` can read them too) and the
 * ones its packages read by name when they load (mqtt's `debug`,
 * readable-stream, ws, mqtt's proxy switch, jco's and preview2-shim's debug
 * switches), plus `NO_COLOR`.
 */
export const BASE_ENV_NAMES: readonly string[] = [
  "OTEL_*",
  "NO_COLOR",
  "DEBUG",
  "READABLE_STREAM",
  "WS_NO_BUFFER_UTIL",
  "WS_NO_UTF_8_VALIDATE",
  "MQTTJS_SOCKS_PROXY",
  "JCO_DEBUG",
  "PREVIEW2_SHIM_DEBUG",
];

/** Where the two ONNX Runtime packages are. */
export interface OnnxRuntimeDirs {
  /** onnxruntime-node: the native add-on (FFI). */
  readonly node?: string;
  /** onnxruntime-web: the WebAssembly fallback. */
  readonly web?: string;
}

/** What the permissions depend on. */
export interface StartPermissionsInput {
  /** The loaded configuration; absent for the embedded default. */
  readonly config?: GatewayConfig;
  /** The configuration file as given (its folder is readable: relative paths start there). */
  readonly configFile?: string;
  /** Where Weir's code and assets are: the release folder, or a checkout. */
  readonly appDir: string;
  /** The modules folder `--modules` names (absolute). */
  readonly modulesDir: string;
  /** The data directory of the embedded default (absolute); the configuration's otherwise. */
  readonly dataDir: string;
  /** The `/metrics` port; 0 for any. */
  readonly metricsPort: number;
  /** `--admin-port` when given. */
  readonly adminPort?: number;
  /** ONNX Runtime's package folders, when installed: the inference worker reads both. */
  readonly onnxRuntime?: OnnxRuntimeDirs;
}

/** `host:port` for Deno's `--allow-net`; the bare host when any port will do. */
function netEntry(host: string, port: number | undefined): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return port === undefined || port === 0 ? h : `${h}:${port}`;
}

/** Each scheme's port when an endpoint's URL names none. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  mqtt: 1883,
  mqtts: 8883,
  http: 80,
  https: 443,
  grpc: 80,
  grpcs: 443,
};

/** `host:port` of an endpoint URL, with the scheme's default port. */
function urlEntry(url: string): string {
  const authority = authorityOf(url);
  const withPort = /(:[0-9]+)$/.test(authority.replace(/^\[[^\]]*\]/, ""));
  if (withPort) return authority;
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  return `${authority}:${DEFAULT_PORTS[scheme] ?? 443}`;
}

/**
 * What an endpoint connects to. A Kafka client also connects to the brokers
 * the cluster advertises, so every broker must be listed in `brokers`.
 */
function endpointHosts(e: EndpointConfig): string[] {
  return e.kind === "kafka" ? [...e.brokers] : [urlEntry(e.url)];
}

/** The files an endpoint reads: TLS files, a password file, header value files. */
function endpointFiles(e: EndpointConfig): (string | undefined)[] {
  const tls = [e.tls?.ca, e.tls?.cert, e.tls?.key];
  if (e.kind === "mqtt") return [...tls, e.credentials?.passwordFile];
  if (e.kind === "kafka") return [...tls, e.sasl?.passwordFile];
  return [...tls, ...Object.values(e.headers).map((h) => h.file)];
}

/** The environment variables an endpoint reads its secrets from. */
function endpointEnv(e: EndpointConfig): (string | undefined)[] {
  if (e.kind === "mqtt") return [e.credentials?.passwordEnv];
  if (e.kind === "kafka") return [e.sasl?.passwordEnv];
  return Object.values(e.headers).map((h) => h.env);
}

/** `host[:port]` of a registry (`host[:port][/path prefix]`), with the default port. */
function registryEntry(host: string, plainHttp: boolean): string {
  const authority = host.split("/")[0]!.toLowerCase();
  const withPort = /(:[0-9]+)$/.test(authority.replace(/^\[[^\]]*\]/, ""));
  return withPort ? authority : `${authority}:${plainHttp ? 80 : 443}`;
}

function listFlag(name: string, values: Iterable<string>): string[] {
  const list = [...new Set(values)];
  for (const v of list) {
    if (v.includes(",")) {
      throw new WeirError(
        "usage",
        `Path or host "${v}" contains a comma, which Deno's --${name} cannot express`,
      );
    }
  }
  return list.length === 0 ? [] : [`--${name}=${list.join(",")}`];
}

/** The files a configuration names, which the gateway reads. */
function namedFiles(config: GatewayConfig): string[] {
  const files: string[] = [];
  for (const e of Object.values(config.endpoints)) {
    for (const f of endpointFiles(e)) if (f !== undefined) files.push(f);
  }
  for (const r of Object.values(config.registries)) {
    for (const f of [r.credentials?.passwordFile, r.token?.file, r.tls?.ca]) {
      if (f !== undefined) files.push(f);
    }
  }
  for (const flow of Object.values(config.dataflows)) {
    if (flow.graph?.file !== undefined) files.push(flow.graph.file);
  }
  // The inference worker is granted each model's folder, so the folder, not the file.
  for (const model of Object.values(config.ml.models)) files.push(dirname(model));
  return files;
}

function envNames(config: GatewayConfig | undefined): string[] {
  const names = [...BASE_ENV_NAMES];
  if (config === undefined) return names;
  for (const e of Object.values(config.endpoints)) {
    for (const n of endpointEnv(e)) if (n !== undefined) names.push(n);
  }
  for (const r of Object.values(config.registries)) {
    if (r.credentials?.passwordEnv !== undefined) names.push(r.credentials.passwordEnv);
    if (r.token?.env !== undefined) names.push(r.token.env);
  }
  return names;
}

/** `null` stands for "any host": a configuration that pulls from any registry. */
function netEntries(input: StartPermissionsInput): string[] | null {
  const { config } = input;
  const entries = [netEntry("127.0.0.1", input.metricsPort)];
  if (config === undefined) {
    // The embedded default: its own broker (1883 or the next free port), its admin page
    // and a registry on this machine, all on loopback.
    return ["127.0.0.1"];
  }
  if (config.allowAnyRegistry) return null;
  for (const e of Object.values(config.endpoints)) entries.push(...endpointHosts(e));
  for (const r of Object.values(config.registries)) {
    entries.push(registryEntry(r.host, r.plainHttp));
  }
  for (const flow of Object.values(config.dataflows)) {
    // A reference may name a registry on this machine that the list does not (any port
    // when it names none: plain HTTP or HTTPS).
    const registry = flow.graph?.ref === undefined ? "" : registryOfReference(flow.graph.ref);
    if (registry !== "") entries.push(registry);
  }
  if (config.admin.enabled) {
    entries.push(netEntry(config.admin.host, input.adminPort ?? config.admin.port));
  }
  return entries;
}

/**
 * The `deno run` flags for `weir start` with this input, one flag per entry.
 *
 * @throws {WeirError} code `usage` when a path or host holds a comma (Deno's lists cannot).
 */
export function startPermissions(input: StartPermissionsInput): string[] {
  const { config } = input;
  const dataDir = config?.dataDir ?? input.dataDir;
  const ort = input.onnxRuntime ?? {};
  const read = [input.appDir, input.modulesDir, dataDir, ...[ort.node, ort.web].filter(isString)];
  if (input.configFile !== undefined) read.push(dirname(input.configFile));
  if (config !== undefined) read.push(...namedFiles(config));
  const net = netEntries(input);
  const ffi = ort.node !== undefined && (config?.ml.enabled ?? true) ? [ort.node] : [];
  return [
    "--no-prompt",
    ...listFlag("allow-read", read),
    ...listFlag("allow-write", [dataDir]),
    ...(net === null ? ["--allow-net"] : listFlag("allow-net", net)),
    ...listFlag("allow-env", envNames(config)),
    ...listFlag("allow-ffi", ffi),
    // Free disk space is checked with statfs before a pulled blob is written.
    "--allow-sys=statfs",
    // Operator and inference workers run with fewer permissions than the gateway.
    "--unstable-worker-options",
  ];
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}

/**
 * A package's folder as this program resolves it (the way the inference
 * worker's grant is computed, so the two agree), or undefined without it.
 */
function packageDir(specifier: string): string | undefined {
  try {
    return dirname(dirname(fileURLToPath(import.meta.resolve(specifier))));
  } catch {
    return undefined;
  }
}

/** The ONNX Runtime packages this program would load. */
export function onnxRuntimeDirs(): OnnxRuntimeDirs {
  const node = packageDir("onnxruntime-node");
  const web = packageDir("onnxruntime-web");
  return { ...(node === undefined ? {} : { node }), ...(web === undefined ? {} : { web }) };
}
