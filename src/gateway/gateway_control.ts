/**
 * The gateway's control surface ({@linkcode GatewayControl}) over its running
 * dataflows: deploys (from a registry or an uploaded YAML), rollbacks,
 * pause/resume, the modules in use, the event feed, and tags watched for new
 * digests. Every change of version is written to the data directory first, so
 * a restart serves what the operator chose.
 *
 * @module
 */
import { defined, WeirError } from "../base/mod.ts";
import type { DataflowConfig } from "../config/mod.ts";
import type { OutboundQueue } from "../store/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type {
  DataflowStatus,
  DeployProgress,
  DeployRequest,
  DeployResult,
  EndpointStatus,
  GatewayControl,
  GatewayEvent,
  ModuleInfo,
  ServedFrom,
} from "./control.ts";
import { DeadLetterDesk } from "./dead_letter_desk.ts";
import { deadLetterDestination } from "./dead_letters.ts";
import { configFingerprint, type DeploymentRecord, writeDeployment } from "./deployments.ts";
import { EdgeTaps } from "./edge_taps.ts";
import type { TrendSeries } from "./trends.ts";
import type { EventHub } from "./event_hub.ts";
import type { VersionSpec } from "./graph_runtime.ts";
import type { DataflowHost } from "./dataflow_host.ts";
import { TagWatch } from "./tag_watch.ts";
import { UploadedGraphs } from "./uploaded_graphs.ts";

/** A pulled graph and the files of its modules. */
export interface PulledGraphFiles {
  readonly ref: string;
  /** The graph artifact's manifest digest. */
  readonly digest: string;
  /** The graph YAML file. */
  readonly path: string;
  /** Module files by the reference the graph writes. */
  readonly modules: ReadonlyMap<string, { readonly ref: string; readonly path: string }>;
}

/** What the control needs from a registry client. */
export interface GraphPuller {
  pullGraph(
    ref: string,
    options?: {
      onProgress?: (p: { ref?: string; doneBytes: number; totalBytes: number }) => void;
    },
  ): Promise<PulledGraphFiles>;
  /** The manifest digest a reference points at now. */
  resolveDigest(ref: string): Promise<string>;
}

/** One dataflow as the control sees it. */
interface Entry {
  readonly flow: DataflowHost;
  /** Its configuration (a reload may change its graph and values in place). */
  config: DataflowConfig;
  record: DeploymentRecord;
  busy: DeployProgress["phase"] | undefined;
  servedFrom: ServedFrom;
  watch?: TagWatch;
}

/** Options for {@linkcode createGatewayControl}. */
export interface GatewayControlOptions {
  readonly dataDir: string;
  readonly log: Logger;
  readonly events: EventHub;
  /** The outbound queue: outputs waiting per dataflow, and the dead letters. */
  readonly queue: OutboundQueue;
  /** The last hour's trends. @default none kept */
  readonly trends?: () => TrendSeries;
  /** The broker connections' states. @default none */
  readonly endpoints?: () => EndpointStatus[];
  /** Needed for deploys by reference. */
  readonly puller?: GraphPuller;
}

/** The control of a gateway, plus what the gateway itself needs to call. */
export interface GatewayControlImpl extends GatewayControl {
  /** Adds a started dataflow, its deployment record and where its serving version came from. */
  add(flow: DataflowHost, record: DeploymentRecord, servedFrom: ServedFrom): void;
  /** Forgets a dataflow (stopped by the caller); its tag watch stops. */
  remove(name: string): DataflowHost | undefined;
  /**
   * Serves the version a changed configuration makes (a hot load, as a
   * deploy), and records that configuration as the dataflow's base.
   */
  reconfigure(
    name: string,
    config: DataflowConfig,
    spec: (id: number) => Promise<VersionSpec | undefined>,
    servedFrom: ServedFrom,
  ): Promise<DeployResult | undefined>;
  /** Stops watching tags. */
  close(): void;
}

/** Makes the control over dataflows added later with `add`. */
export function createGatewayControl(options: GatewayControlOptions): GatewayControlImpl {
  const { dataDir, log, events, queue } = options;
  const entries = new Map<string, Entry>();
  const desk = new DeadLetterDesk(queue, (name) => entries.get(name)?.flow);
  const taps = new EdgeTaps();
  const uploads = new UploadedGraphs(
    dataDir,
    (path) =>
      [...entries.values()].some((e) =>
        e.record.current?.graphFile === path || e.record.previous?.graphFile === path
      ),
  );

  const entry = (name: string): Entry => {
    const e = entries.get(name);
    if (!e) {
      throw new WeirError(
        "not_found",
        `No dataflow "${name}"; there are: ${[...entries.keys()].join(", ") || "none"}`,
      );
    }
    return e;
  };

  /** Holds a dataflow's input (the broker keeps it) or lets it flow again, and says so. */
  const setRunning = (name: string, running: boolean): Promise<void> => {
    const { flow } = entry(name);
    if (running) flow.resume();
    else flow.pause();
    events.emit("state", { state: running ? "running" : "stopped" }, name);
    log.log("info", running ? "dataflow started again" : "dataflow stopped", { dataflow: name });
    return Promise.resolve();
  };

  const status = (e: Entry): DataflowStatus => {
    const { flow, config, record } = e;
    const current = flow.current;
    return {
      name: flow.name,
      state: flow.failure !== undefined ? "failed" : flow.paused ? "stopped" : "running",
      ...defined({ error: flow.failure }),
      source: { endpoint: config.source.endpoint, topics: config.source.topics },
      destination: { endpoint: config.destination.endpoint, topic: config.destination.topic },
      ...(current ? { current: current.version } : {}),
      ...(record.previous ? { previous: previousVersion(record.previous) } : {}),
      draining: flow.draining,
      ...(e.busy ? { deploying: e.busy } : {}),
      stats: current?.stats() ?? {},
      queued: queue.depth(flow.name),
      ...defined({ sourceLag: flow.sourceLag }),
      deadLetters: queue.count({
        deadLetters: true,
        destination: deadLetterDestination(flow.name),
      }),
      servedFrom: e.servedFrom,
      ...(record.watch ? { watch: record.watch } : {}),
    };
  };

  // The previous version is not loaded; describe it from its spec.
  const previousVersion = (spec: VersionSpec) => ({
    id: spec.id,
    origin: spec.origin,
    ...defined({ ref: spec.ref }),
    digest: spec.digest,
    loadedAt: "",
    configuration: spec.configuration,
    graphName: spec.loaded?.graphName ?? spec.graphFile.split("/").pop()!,
    modules: spec.loaded?.modules ?? [],
    graph: spec.loaded?.graph ?? { operations: [], connections: [] },
  });

  /** Builds the spec of a new version from a request. */
  const specFor = async (
    e: Entry,
    request: DeployRequest,
    progress: (p: DeployProgress) => void,
  ): Promise<VersionSpec> => {
    const id = e.record.nextId;
    const base = e.record.current;
    const configuration = request.configuration ?? base?.configuration ?? e.config.configuration;
    if (request.ref !== undefined && request.yaml !== undefined) {
      throw new WeirError("usage", "Give either a reference or a graph YAML, not both");
    }
    if (request.ref !== undefined) {
      if (!options.puller) {
        throw new WeirError("usage", "This gateway has no registry client configured");
      }
      progress({ phase: "pull", message: `pulling ${request.ref}` });
      const pulled = await options.puller.pullGraph(request.ref, {
        onProgress: (p) =>
          progress({
            phase: "pull",
            doneBytes: p.doneBytes,
            totalBytes: p.totalBytes,
            ...defined({ message: p.ref }),
          }),
      });
      return { id, origin: "oci", ref: request.ref, ...pulledFiles(pulled), configuration };
    }
    if (request.yaml !== undefined) {
      const saved = await uploads.save(request.yaml);
      return {
        id,
        origin: "upload",
        digest: saved.digest,
        graphFile: saved.path,
        moduleFiles: {},
        pulledFrom: {},
        configuration,
      };
    }
    if (!base) {
      throw new WeirError("usage", `Dataflow "${e.flow.name}" has no graph to reconfigure`);
    }
    if (request.configuration === undefined) {
      throw new WeirError("usage", "Give a reference, a graph YAML or new configuration values");
    }
    return { ...base, id, configuration };
  };

  /** Loads `spec`, switches to it, records it. */
  const install = async (
    e: Entry,
    spec: VersionSpec,
    startedAt: number,
    progress: (p: DeployProgress) => void,
    previous: VersionSpec | undefined,
  ): Promise<DeployResult> => {
    progress({ phase: "load", message: `loading version ${spec.id}` });
    const runtime = await e.flow.load(spec);
    progress({ phase: "switch" });
    const { graphName, modules, graph } = runtime.version;
    e.record = {
      ...e.record,
      nextId: Math.max(e.record.nextId, spec.id + 1),
      current: { ...spec, loaded: { graphName, modules, graph } },
      ...(previous ? { previous } : {}),
    };
    try {
      await writeDeployment(dataDir, e.flow.name, e.record);
    } catch (error) {
      await runtime.stop();
      throw error;
    }
    const switchMs = await e.flow.switchTo(runtime);
    e.servedFrom = "saved-deployment";
    const totalMs = performance.now() - startedAt;
    progress({ phase: "done", message: `version ${spec.id} serving` });
    log.log("info", "graph version switched", {
      dataflow: e.flow.name,
      version: spec.id,
      origin: spec.origin,
      ref: spec.ref ?? null,
      digest: spec.digest,
      switchMs: Number(switchMs.toFixed(3)),
      totalMs: Math.round(totalMs),
    });
    return { version: runtime.version, switchMs, totalMs };
  };

  const guarded = async <T>(
    name: string,
    work: (e: Entry, progress: (p: DeployProgress) => void) => Promise<T>,
    onProgress?: (p: DeployProgress) => void,
  ): Promise<T> => {
    const e = entry(name);
    if (e.busy) {
      throw new WeirError("conflict", `Dataflow "${name}" is busy deploying (${e.busy})`);
    }
    const progress = (p: DeployProgress) => {
      e.busy = p.phase === "done" ? undefined : p.phase;
      events.emit("deploy", { ...p }, name);
      onProgress?.(p);
    };
    e.busy = "pull";
    try {
      return await work(e, progress);
    } catch (error) {
      events.emit("deploy", { phase: "failed", message: (error as Error).message }, name);
      throw error;
    } finally {
      e.busy = undefined;
    }
  };

  const deploy = (name: string, request: DeployRequest, onProgress?: (p: DeployProgress) => void) =>
    guarded(name, async (e, progress) => {
      const startedAt = performance.now();
      const spec = await specFor(e, request, progress);
      const upload = request.yaml === undefined ? undefined : spec.graphFile;
      let kept = false;
      try {
        const result = await install(e, spec, startedAt, progress, e.record.current);
        kept = true;
        if (request.watchSeconds !== undefined) setWatch(e, request.ref, request.watchSeconds);
        return result;
      } finally {
        // A refused upload leaves nothing behind in the data directory.
        if (upload !== undefined) await uploads.release(upload, kept);
      }
    }, onProgress);

  const setWatch = (e: Entry, ref: string | undefined, seconds: number) => {
    e.watch?.stop();
    const { watch: _, ...rest } = e.record;
    e.record = ref && seconds > 0 ? { ...rest, watch: { ref, intervalSeconds: seconds } } : rest;
    writeDeployment(dataDir, e.flow.name, e.record).catch((error) =>
      log.log("error", "could not record the watch", { error })
    );
    startWatch(e);
  };

  const startWatch = (e: Entry) => {
    const watch = e.record.watch;
    if (!watch || !options.puller) return;
    const puller = options.puller;
    e.watch = new TagWatch(watch.intervalSeconds * 1000, async () => {
      if (e.busy) return;
      try {
        const digest = await puller.resolveDigest(watch.ref);
        if (digest === e.record.current?.digest) return;
        log.log("info", "watched tag moved; deploying", {
          dataflow: e.flow.name,
          ref: watch.ref,
          digest,
        });
        await deploy(e.flow.name, { ref: watch.ref });
      } catch (error) {
        log.log("warn", "watched tag check failed", {
          dataflow: e.flow.name,
          ref: watch.ref,
          error,
        });
      }
    });
  };

  return {
    endpoints: () => options.endpoints?.() ?? [],
    add(flow, record, servedFrom) {
      const serving = flow.current?.version;
      if (serving && record.current) {
        const { graphName, modules, graph } = serving;
        record = {
          ...record,
          current: { ...record.current, loaded: { graphName, modules, graph } },
        };
      }
      const e: Entry = { flow, config: flow.config, record, busy: undefined, servedFrom };
      entries.set(flow.name, e);
      startWatch(e);
    },
    remove(name) {
      const e = entries.get(name);
      e?.watch?.stop();
      entries.delete(name);
      return e?.flow;
    },
    reconfigure: (name, config, makeSpec, servedFrom) =>
      guarded(name, async (e, progress) => {
        const startedAt = performance.now();
        const spec = await makeSpec(e.record.nextId);
        e.config = config;
        e.record = { ...e.record, base: configFingerprint(config) };
        if (spec === undefined) {
          await writeDeployment(dataDir, name, e.record);
          return undefined;
        }
        const result = await install(e, spec, startedAt, progress, e.record.current);
        e.servedFrom = servedFrom;
        const graph = config.graph;
        setWatch(e, graph?.ref, graph?.ref === undefined ? 0 : graph.watchSeconds);
        return result;
      }),
    close() {
      for (const e of entries.values()) e.watch?.stop();
    },
    dataflows: () => [...entries.values()].map(status),
    dataflow: (name) => {
      const e = entries.get(name);
      return e ? status(e) : undefined;
    },
    deploy,
    rollback: (name) =>
      guarded(name, async (e, progress) => {
        const startedAt = performance.now();
        const target = e.record.previous;
        if (!target) {
          throw new WeirError(
            "conflict",
            `Dataflow "${name}" has no previous version to roll back to`,
          );
        }
        // The rollback target keeps its id: it is the same version serving again.
        return await install(e, target, startedAt, progress, e.record.current);
      }),
    stop: (name) => setRunning(name, false),
    start: (name) => setRunning(name, true),
    modules: () => {
      const byDigest = new Map<string, ModuleInfo & { usedBy: ModuleInfo["usedBy"][number][] }>();
      for (const e of entries.values()) {
        const v = e.flow.current?.version;
        for (const m of v?.modules ?? []) {
          const known = byDigest.get(m.digest) ?? { ...m, usedBy: [] };
          known.usedBy.push({ dataflow: e.flow.name, version: v!.id });
          byDigest.set(m.digest, known);
        }
      }
      return [...byDigest.values()];
    },
    recentEvents: (kind?: GatewayEvent["kind"], limit?: number) => events.recent(kind, limit),
    subscribe: (listener) => events.subscribe(listener),
    deadLetters: (query) => desk.list(query),
    deadLetter: (seq, as) => desk.get(seq, as),
    exportDeadLetters: (query, skipped) => desk.export(query, skipped),
    replayDeadLetters: (query) => {
      if (query.dataflow !== undefined) entry(query.dataflow);
      return desk.replay(query);
    },
    purgeDeadLetters: (query) => desk.purge(query),
    queue: () => {
      const usage = queue.usage();
      return { ...usage, deadLettersDropped: queue.stats().droppedDeadLetters };
    },
    trends: () => options.trends?.() ?? { intervalMs: 10_000, capacity: 0, times: [], series: {} },
    tap: (name, edge, listener, tapOptions) =>
      taps.watch(entry(name).flow, edge, listener, tapOptions?.perSecond),
  };
}

/** The deployment record a dataflow starts with when none was saved. */
export function freshRecord(config: DataflowConfig): DeploymentRecord {
  return { base: configFingerprint(config), nextId: 1 };
}

/** The parts of a version spec a pulled graph gives. */
export function pulledFiles(
  pulled: PulledGraphFiles,
): Pick<VersionSpec, "digest" | "graphFile" | "moduleFiles" | "pulledFrom"> {
  const moduleFiles: Record<string, string> = {};
  const pulledFrom: Record<string, string> = {};
  for (const [written, m] of pulled.modules) {
    moduleFiles[written] = m.path;
    pulledFrom[written] = m.ref;
  }
  return { digest: pulled.digest, graphFile: pulled.path, moduleFiles, pulledFrom };
}
