/**
 * The long-running gateway: every configured dataflow, one durable outbound
 * queue in the data directory, shared broker connections, and a Prometheus
 * `/metrics` endpoint on loopback.
 *
 * @module
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { defined, sha256Digest } from "../base/mod.ts";
import { defaultCacheDir, OciClient } from "../oci/mod.ts";
import type { DataflowConfig, GatewayConfig } from "../config/mod.ts";
import { builtinRegistry, ConnectionPool } from "../connectors/mod.ts";
import { OutboundQueue } from "../store/mod.ts";
import { NnService } from "../nn/mod.ts";
import {
  bridgeToOpenTelemetry,
  type Logger,
  Metrics,
  openTelemetryEnabled,
  renderPrometheus,
  serveMetrics,
} from "../telemetry/mod.ts";
import type { EndpointStatus, GatewayControl, ServedFrom } from "./control.ts";
import { readDeployment } from "./deployments.ts";
import { EventHub } from "./event_hub.ts";
import {
  createGatewayControl,
  freshRecord,
  type GraphPuller,
  pulledFiles,
} from "./gateway_control.ts";
import type { VersionSpec } from "./graph_runtime.ts";
import { DataflowHost } from "./dataflow_host.ts";
import { gatewaySeries } from "./gateway_metrics.ts";
import { EMBEDDED_SOURCE } from "./embedded_default.ts";
import { applyReload, type ReloadSummary } from "./reload.ts";
import { type TrendReading, TrendRecorder } from "./trends.ts";
import { QueueRoom } from "./outbound_writer.ts";
import type { GraphNnOptions } from "./nn_link.ts";
import { dataflowStatePath } from "./state_dir.ts";

/** Options for {@linkcode startGateway}. */
export interface GatewayOptions {
  readonly config: GatewayConfig;
  readonly log: Logger;
  /** Where modules resolve (`<dir>/<name>.wasm`). */
  readonly modulesDir: string;
  /** Port of the `/metrics` endpoint on 127.0.0.1; 0 for any free port; null for none. @default 9464 */
  readonly metricsPort?: number | null;
  /** @default 1000 */
  readonly idleMs?: number;
  /** Queue durability: "full" also survives power loss, at an fsync per batch. @default "normal" */
  readonly queueSync?: "full" | "normal";
  /** Pulls graphs by reference; by default a client over the configuration's registries. */
  readonly puller?: GraphPuller;
  /** The event feed; one is made when absent. */
  readonly events?: EventHub;
  /** How often the trends take a point (the page's charts). @default 10000 */
  readonly trendIntervalMs?: number;
}

/** A running gateway. */
export interface Gateway {
  readonly dataflows: readonly DataflowHost[];
  readonly metrics: Metrics;
  readonly queue: OutboundQueue;
  /** Deploys, rollbacks, start/stop, modules and events. */
  readonly control: GatewayControl;
  /** The `/metrics` URL, when served. */
  readonly metricsUrl: string | undefined;
  /** Every broker connection: up or down, since when, the last error. */
  endpoints(): EndpointStatus[];
  /** The Prometheus text for the current state. */
  scrape(): string;
  /**
   * Applies a new configuration: dataflows added or removed start or stop,
   * a changed graph or graph configuration is hot-loaded as a new version
   * (nothing lost), other changes to a dataflow restart it. Settings outside
   * the dataflows are listed in `needsRestart`. Reloads run one at a time.
   */
  reload(config: GatewayConfig): Promise<ReloadSummary>;
  /** Stops input, flushes the queue for a few seconds, disconnects. */
  stop(): Promise<void>;
}

/**
 * One status per endpoint (pool keys are `<kind>:<endpoint>[/<owner>]`: an
 * endpoint may have a connection per dataflow source): up when all its
 * connections are; otherwise since the earliest went down, with its error.
 */
function endpointStatuses(connections: ConnectionPool): EndpointStatus[] {
  const byName = new Map<string, EndpointStatus>();
  for (const { key, status } of connections.statuses()) {
    const name = key.slice(key.indexOf(":") + 1).split("/")[0]!;
    const here: EndpointStatus = {
      name,
      up: status.up,
      since: new Date(status.since).toISOString(),
      ...defined({ error: status.error }),
    };
    const known = byName.get(name);
    if (!known || (known.up && !here.up) || (!known.up && !here.up && here.since < known.since)) {
      byName.set(name, here);
    }
  }
  return [...byName.values()];
}

/** What the trends read each interval: counters, the latency histogram and the queue. */
function trendReading(
  dataflows: readonly DataflowHost[],
  queue: OutboundQueue,
  metrics: Metrics,
): TrendReading {
  const recordsIn = new Map<string, number>();
  for (const d of dataflows) {
    for (const [op, s] of Object.entries(d.flow?.stats() ?? {})) {
      recordsIn.set(`${d.name}/${op}`, s.recordsIn);
    }
  }
  let latency: { bounds: readonly number[]; buckets: number[] } | undefined;
  for (const h of metrics.histograms()) {
    if (h.name !== "weir_end_to_end_latency_ms") continue;
    latency ??= { bounds: h.bounds, buckets: new Array(h.buckets.length).fill(0) };
    h.buckets.forEach((n, i) => (latency!.buckets[i]! += n));
  }
  const usage = queue.usage();
  return {
    recordsIn,
    ...(latency === undefined ? {} : { latency }),
    queueDepth: usage.outputs.count,
    deadLetters: usage.deadLetters.count,
  };
}

/** Starts every dataflow of the configuration. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  await mkdir(join(options.config.dataDir, "state"), { recursive: true });
  // Everything started is registered here, so teardown is written once: after a failed start
  // and on stop alike, in reverse order of start.
  const parts = new AsyncDisposableStack();
  try {
    return await startParts(options, parts);
  } catch (error) {
    await parts.disposeAsync();
    throw error;
  }
}

async function startParts(options: GatewayOptions, parts: AsyncDisposableStack): Promise<Gateway> {
  const { config, log } = options;
  const metrics = new Metrics();
  const queue = parts.use(OutboundQueue.open(join(config.dataDir, "outbound.db"), {
    maxBytes: config.queue.maxBytes,
    maxAgeSeconds: config.queue.maxAgeSeconds,
    policy: config.queue.policy,
    ...(config.queue.deadLetterMaxBytes === undefined
      ? {}
      : { deadLetterMaxBytes: config.queue.deadLetterMaxBytes }),
    // WAL + synchronous NORMAL: nothing committed is lost when the process dies (kill -9 is
    // tested); a power cut may lose the last commits. FULL costs an fsync per batch.
    synchronous: options.queueSync ?? "normal",
    logger: log.child({ component: "queue" }),
  }));
  const room = new QueueRoom();
  const connections = parts.use(new ConnectionPool());
  const registry = builtinRegistry();
  const dataflows: DataflowHost[] = [];
  const events = options.events ?? new EventHub();
  // Registries come from the configuration unless the caller brings its own client.
  const oci = options.puller ? undefined : new OciClient({
    registries: Object.entries(config.registries).map(([name, r]) => ({ name, ...r })),
    cacheDir: defaultCacheDir(config.dataDir),
    log: log.child({ component: "oci" }),
    // Deploys and watched tags name registries too: only configured ones, unless allowed.
    onlyConfiguredRegistries: !config.allowAnyRegistry,
  });
  if (oci) parts.defer(() => oci.close());
  const puller: GraphPuller = options.puller ?? oci!;
  // wasi-nn: the inference worker starts only when a module that uses it is loaded.
  const nnService = config.ml.enabled
    ? new NnService({
      models: config.ml.models,
      limits: {
        maxModelBytes: config.ml.maxModelBytes,
        computeTimeoutMs: config.ml.computeTimeoutMs,
      },
      log: log.child({ component: "wasi-nn" }),
    })
    : undefined;
  if (nnService) parts.defer(() => nnService.close());
  const nn: GraphNnOptions = nnService ? { service: nnService } : { off: "ml.enabled is false" };
  const trends = new TrendRecorder(
    () => trendReading(dataflows, queue, metrics),
    options.trendIntervalMs === undefined ? {} : { intervalMs: options.trendIntervalMs },
  );
  parts.defer(() => trends.close());
  const control = createGatewayControl({
    dataDir: config.dataDir,
    log,
    events,
    queue,
    trends: () => trends.series(),
    endpoints: () => endpointStatuses(connections),
    puller,
  });
  parts.defer(async () => {
    await Promise.allSettled(dataflows.map((d) => d.stop()));
  });
  // Tag watches stop before the dataflows do.
  parts.defer(() => control.close());
  const embedded = config.source === EMBEDDED_SOURCE;
  let current = config;
  const scopedLog = (name: string) => events.logger(log).child({ dataflow: name });
  const hostFor = async (
    name: string,
    dataflow: DataflowConfig,
    initial: VersionSpec | undefined,
  ) =>
    DataflowHost.start({
      name,
      config: dataflow,
      endpoints: current.endpoints,
      registry,
      context: { logger: scopedLog(name), metrics, connections },
      queue,
      room,
      modulesDir: options.modulesDir,
      cacheDir: join(config.dataDir, "cache", "bindings"),
      statePath: await dataflowStatePath(config.dataDir, name, scopedLog(name)),
      stateQuota: config.state,
      log: scopedLog(name),
      metrics,
      events,
      nn,
      ...(initial ? { initial } : {}),
      ...defined({ idleMs: options.idleMs }),
    });
  const configured: ServedFrom = embedded ? "embedded-default" : "configuration";
  /** Starts a dataflow on its saved deployment, else on its configuration; adds it to the control. */
  const startDataflow = async (name: string, dataflow: DataflowConfig): Promise<void> => {
    const scoped = scopedLog(name);
    const fresh = freshRecord(dataflow);
    const saved = await readDeployment(config.dataDir, name, fresh.base);
    const fromConfig = await configSpec(name, dataflow, puller, scoped);
    const watch = dataflow.graph?.ref !== undefined && dataflow.graph.watchSeconds > 0
      ? { watch: { ref: dataflow.graph.ref, intervalSeconds: dataflow.graph.watchSeconds } }
      : {};
    let record = saved ??
      (fromConfig ? { ...fresh, nextId: 2, current: fromConfig, ...watch } : fresh);
    let servedFrom: ServedFrom = saved ? "saved-deployment" : configured;
    let live: DataflowHost;
    try {
      live = await hostFor(name, dataflow, record.current);
    } catch (error) {
      // A deployed version that no longer loads (e.g. its cache was wiped) gives way to the file.
      if (!saved || !fromConfig) throw error;
      scoped.log("error", "deployed version failed to load; serving the configured graph", {
        version: saved.current?.id ?? null,
        error,
      });
      record = { ...saved, current: fromConfig };
      servedFrom = configured;
      live = await hostFor(name, dataflow, fromConfig);
    }
    dataflows.push(live);
    control.add(live, record, servedFrom);
  };
  const stopDataflow = async (name: string): Promise<void> => {
    const host = control.remove(name);
    if (host === undefined) return;
    dataflows.splice(dataflows.indexOf(host), 1);
    await host.stop();
  };
  for (const [name, dataflow] of Object.entries(config.dataflows)) {
    await startDataflow(name, dataflow);
  }
  trends.start();
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (next: GatewayConfig): Promise<ReloadSummary> => {
    const run = reloading.then(() =>
      applyReload(current, next, {
        start: startDataflow,
        stop: stopDataflow,
        redeploy: (name, dataflow) =>
          control.reconfigure(
            name,
            dataflow,
            async (id) => {
              const spec = await configSpec(name, dataflow, puller, scopedLog(name));
              return spec && { ...spec, id };
            },
            configured,
          ),
        adopt: (c) => (current = c),
        log,
      })
    );
    reloading = run.catch(() => {});
    return run;
  };
  const endpoints = control.endpoints;
  metrics.collect(() => gatewaySeries({ dataflows: () => dataflows, queue, endpoints }));
  if (openTelemetryEnabled()) {
    bridgeToOpenTelemetry(metrics);
    log.log("info", "metrics mirrored to OpenTelemetry (OTEL_DENO)");
  }
  let metricsUrl: string | undefined;
  if (options.metricsPort !== null) {
    const server = parts.use(serveMetrics(metrics, options.metricsPort ?? 9464));
    metricsUrl = server.url;
  }
  let stopped: Promise<void> | undefined;
  return {
    dataflows,
    metrics,
    queue,
    control,
    get metricsUrl() {
      return metricsUrl;
    },
    scrape: () => renderPrometheus(metrics),
    endpoints,
    reload,
    stop: () => stopped ??= parts.disposeAsync(),
  };
}

/** The version a dataflow's configured graph makes (id 1): a local file, or pulled by reference. */
async function configSpec(
  name: string,
  dataflow: DataflowConfig,
  puller: GraphPuller,
  log: Logger,
): Promise<VersionSpec | undefined> {
  const graph = dataflow.graph;
  if (!graph) return undefined;
  if (graph.ref !== undefined) {
    const pulled = await puller.pullGraph(graph.ref);
    log.log("info", "graph pulled", { dataflow: name, ref: graph.ref, digest: pulled.digest });
    return {
      id: 1,
      origin: "oci",
      ref: graph.ref,
      ...pulledFiles(pulled),
      configuration: dataflow.configuration,
    };
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(graph.file);
  } catch {
    bytes = new Uint8Array(); // the loader reports the missing file with its path
  }
  return {
    id: 1,
    origin: "config",
    digest: sha256Digest(bytes),
    graphFile: graph.file,
    moduleFiles: {},
    pulledFrom: {},
    configuration: dataflow.configuration,
  };
}
