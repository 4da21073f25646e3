/**
 * One configured dataflow, running: a source feeds the serving graph version;
 * each sink of the graph writes into the durable outbound queue; a forwarder
 * drains the queue to the destination. Source messages are acknowledged only
 * once every sink's frontier has passed them, i.e. once everything derived
 * from them is on disk. Without a graph the dataflow is a plain bridge.
 *
 * Whatever becomes of a message, its acknowledgement is released: results
 * stored, filtered out, dead-lettered, too large for the queue, or caught in
 * a graph that failed (its records are then dead-lettered first). One message
 * never holds back another, on this dataflow or another one sharing the
 * connection.
 *
 * Versions switch between two source batches: the batch in progress finishes
 * on the old version, every later one goes to the new version, and the old
 * version is told that time moved on, so it closes its windows, stores its
 * results, acknowledges its messages and is released. Each message is thus
 * processed by exactly one version: none lost, none doubled.
 *
 * @module
 */
import { compareHlc, formatHlc, type Hlc, WeirError } from "../base/mod.ts";
import type {
  ConnectorContext,
  ConnectorRegistry,
  Sink,
  Source,
  SourceBatch,
} from "../connectors/mod.ts";
import type { DeadLetter, LateRecord, Rec, SideOutputs } from "../engine/mod.ts";
import type { DataflowConfig, EndpointConfig } from "../config/mod.ts";
import type { OutboundQueue, QueueMessage } from "../store/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import { type StateQuota, StateStore } from "../wasm/mod.ts";
import type { EventHub } from "./event_hub.ts";
import { type DeadLetterKind, deadLetterMessage, tooLargeDeadLetter } from "./dead_letters.ts";
import { Forwarder } from "./forwarder.ts";
import { OutboundWriter, type QueueRoom } from "./outbound_writer.ts";
import { GraphRuntime, type RuntimeContext, type VersionSpec } from "./graph_runtime.ts";
import type { GraphNnOptions } from "./nn_link.ts";

/** Options for {@linkcode startLiveDataflow}. */
export interface LiveDataflowOptions {
  readonly name: string;
  readonly config: DataflowConfig;
  readonly endpoints: Readonly<Record<string, EndpointConfig>>;
  readonly registry: ConnectorRegistry;
  readonly context: ConnectorContext;
  readonly queue: OutboundQueue;
  /** Shared by every dataflow's writer and forwarder: who made room in the queue. */
  readonly room: QueueRoom;
  readonly modulesDir: string;
  readonly cacheDir: string;
  /** The graph's state store file, in a folder of its own. */
  readonly statePath: string;
  /** The state store's bounds. @default DEFAULT_STATE_QUOTA */
  readonly stateQuota?: StateQuota;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** The version to serve first; none for a plain bridge. */
  readonly initial?: VersionSpec;
  /** Where dead letters and lifecycle events are announced. */
  readonly events?: EventHub;
  /** @default the dataflow's `timing.idleMs` */
  readonly idleMs?: number;
  /** wasi-nn for the graph's modules. */
  readonly nn?: GraphNnOptions;
}

/** A running dataflow. */
export interface LiveDataflow {
  readonly name: string;
  readonly config: DataflowConfig;
  /** The serving version's engine, when the dataflow has a graph. */
  readonly flow: GraphRuntime["flow"] | undefined;
  /** The serving version. */
  readonly current: GraphRuntime | undefined;
  /** Old versions still finishing what they took. */
  readonly draining: number;
  readonly paused: boolean;
  /** Why the serving version failed, when it did (its input then goes to the dead letters). */
  readonly failure: string | undefined;
  readonly forwarder: Forwarder;
  /** Loads and initialises a version beside the serving one (nothing switches yet). */
  load(spec: VersionSpec): Promise<GraphRuntime>;
  /** Serves `next` from the next source batch on; resolves with the input pause in ms. */
  switchTo(next: GraphRuntime): Promise<number>;
  /** Holds input (the broker keeps it) until {@linkcode resume}. */
  pause(): void;
  resume(): void;
  /** Stops taking input, flushes what it can to the destination, releases everything. */
  stop(): Promise<void>;
}

function latestTime(batch: SourceBatch): Hlc | undefined {
  let latest: Hlc | undefined;
  for (const r of batch.records) if (!latest || compareHlc(r.time, latest) > 0) latest = r.time;
  return latest;
}

/** Starts one dataflow. */
export async function startLiveDataflow(o: LiveDataflowOptions): Promise<LiveDataflow> {
  const { name, config, queue, log, metrics } = o;
  const labels = { dataflow: name };
  const sourceEndpoint = o.endpoints[config.source.endpoint]!;
  const destEndpoint = o.endpoints[config.destination.endpoint]!;
  const sink: Sink = o.registry.get(destEndpoint.kind).createSink!({
    endpointName: config.destination.endpoint,
    endpoint: destEndpoint,
    topic: config.destination.topic,
  }, o.context);
  const source: Source = o.registry.get(sourceEndpoint.kind).createSource!({
    endpointName: config.source.endpoint,
    endpoint: sourceEndpoint,
    topics: config.source.topics,
    ...(config.source.sharedGroup ? { sharedGroup: config.source.sharedGroup } : {}),
    node: `weir-${name}`,
    maxClockDriftMs: config.timing.maxClockDriftMs,
    labels,
  }, o.context);
  const forwarder = new Forwarder({
    queue,
    destination: name,
    sink,
    log,
    metrics,
    labels,
    room: o.room,
  });
  const writer = new OutboundWriter({
    queue,
    room: o.room,
    appended: () => forwarder.notify(),
    tooLarge: (message, error) => tooLargeDeadLetter(name, message, error),
    log,
    metrics,
    labels,
  });
  const keep = (kind: DeadLetterKind, entry: DeadLetter | LateRecord) =>
    writer.write([deadLetterMessage(name, kind, entry)]);
  const side: SideOutputs = {
    deadLetter: (e) => {
      metrics.add("weir_dead_letters_total", 1, { ...labels, operation: e.operation });
      log.log("warn", "record dead-lettered", { operation: e.operation, reason: e.reason });
      o.events?.emit("dead-letter", {
        operation: e.operation,
        reason: e.reason,
        ts: formatHlc(e.record.time),
      }, name);
      return keep("dead-letter", e);
    },
    late: (e) => {
      metrics.add("weir_late_records_total", 1, { ...labels, operation: e.operation });
      return keep("late", e);
    },
  };
  /** Source records no graph could take: dead letters with the reason, all at once. */
  const deadLetterAll = (records: readonly Rec[], error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    metrics.add("weir_dead_letters_total", records.length, { ...labels, operation: "graph" });
    return writer.write(
      records.map((record) =>
        deadLetterMessage(name, "dead-letter", { operation: "graph", record, reason })
      ),
    );
  };
  const store = new StateStore(o.statePath, o.stateQuota ? { quota: o.stateQuota } : {});
  const runtimeContext: RuntimeContext = {
    dataflow: name,
    modulesDir: o.modulesDir,
    cacheDir: o.cacheDir,
    statePath: o.statePath,
    stateStore: store,
    log,
    metrics,
    idleMs: o.idleMs ?? config.timing.idleMs,
    latenessMs: config.timing.latenessMs,
    side,
    // The idle clock holds while messages wait at the source or a batch is being taken.
    quiet: () => !busy && (source.buffered ?? 0) === 0,
    encode: (record, id) => sink.encode(record, id),
    append: (messages) => writer.write(messages),
    failed: deadLetterAll,
    ...(o.nn ? { nn: o.nn } : {}),
  };

  let current: GraphRuntime | undefined;
  let busy = false;
  try {
    if (o.initial) current = await GraphRuntime.load(o.initial, runtimeContext);
  } catch (error) {
    store.close();
    await sink.close();
    throw error;
  }
  const draining = new Set<GraphRuntime>();
  let pendingSwitch: { next: GraphRuntime; asked: number; done: (ms: number) => void } | undefined;
  let pause: { promise: Promise<void>; resolve: () => void } | undefined;
  let bridged = 0;

  const retire = (old: GraphRuntime) => {
    draining.add(old);
    releaseDrained();
  };
  // Old versions leave once every message they took is acknowledged.
  const releaseDrained = () => {
    for (const old of draining) {
      if (old.pending > 0) continue;
      draining.delete(old);
      old.stop().catch(() => {});
      log.log("info", "old graph version released", { version: old.spec.id });
      o.events?.emit("state", { version: old.spec.id, state: "released" }, name);
    }
  };
  const drainTimer = setInterval(releaseDrained, 200);
  const applySwitch = () => {
    if (!pendingSwitch) return;
    const { next, asked, done } = pendingSwitch;
    pendingSwitch = undefined;
    if (current) retire(current);
    current = next;
    done(performance.now() - asked);
  };

  /** The bridge: each record straight to the queue; one that cannot be encoded is dead-lettered. */
  const bridge = (batch: SourceBatch) => {
    const messages: QueueMessage[] = [];
    const pending: Promise<void>[] = [];
    for (const r of batch.records) {
      const id = `${name}/bridge/${formatHlc(r.time)}/${bridged++}`;
      try {
        messages.push({ destination: name, id, ...sink.encode(r, id) });
      } catch (error) {
        const w = side.deadLetter({ operation: "bridge", record: r, reason: String(error) });
        if (w) pending.push(w);
      }
    }
    const w = writer.write(messages);
    if (w) pending.push(w);
    return pending.length === 0 ? undefined : Promise.all(pending);
  };

  const take = async (batch: SourceBatch) => {
    const serving = current;
    if (!serving) {
      await bridge(batch);
      batch.ackAll();
      return;
    }
    try {
      await serving.push(batch);
    } catch (error) {
      // The graph failed: this batch goes to the dead letters, then it is acknowledged.
      await deadLetterAll(batch.records, error);
      batch.ackAll();
      return;
    }
    const latest = latestTime(batch);
    if (latest && draining.size > 0) {
      for (const old of draining) old.advanceTo(latest);
    }
  };

  await source.start(async (batch) => {
    if (pause) await pause.promise;
    busy = true;
    try {
      await take(batch);
    } catch (error) {
      // Even storing failed (the disk?): say so loudly; the source acknowledges nonetheless,
      // since holding the batch would stall every later message on the connection.
      log.log("error", "batch could not be processed or stored", {
        records: batch.records.length,
        error,
      });
      throw error;
    } finally {
      busy = false;
      applySwitch();
    }
  });
  forwarder.start();
  log.log("info", "dataflow started", {
    topics: config.source.topics,
    graph: o.initial?.graphFile ?? null,
    version: o.initial?.id ?? null,
  });

  return {
    name,
    config,
    get flow() {
      return current?.flow;
    },
    get current() {
      return current;
    },
    get draining() {
      return draining.size;
    },
    get paused() {
      return pause !== undefined;
    },
    get failure() {
      return current?.failure?.message;
    },
    forwarder,
    load: (spec) => GraphRuntime.load(spec, runtimeContext),
    switchTo: (next) =>
      new Promise<number>((done, reject) => {
        if (pendingSwitch) {
          reject(new WeirError("conflict", `Dataflow "${name}" is already switching versions`));
          return;
        }
        pendingSwitch = { next, asked: performance.now(), done };
        if (!busy) applySwitch();
      }),
    pause: () => {
      if (pause) return;
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      pause = { promise, resolve };
    },
    resume: () => {
      pause?.resolve();
      pause = undefined;
    },
    stop: async () => {
      clearInterval(drainTimer);
      pause?.resolve();
      writer.stop();
      await source.close();
      // Open windows are not flushed: their messages are unacknowledged and come back after a restart.
      await Promise.allSettled([current?.stop(), ...[...draining].map((d) => d.stop())]);
      await forwarder.stop();
      await sink.close();
      store.close();
    },
  };
}
