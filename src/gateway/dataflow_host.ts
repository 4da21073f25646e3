/**
 * One configured dataflow, running: a source feeds the serving graph version;
 * each sink of the graph writes into the durable outbound queue; a forwarder
 * drains the queue to the destination. A source message is acknowledged once
 * nothing derived from it is in flight in the graph (its results are on disk,
 * or it was filtered, dead-lettered or taken into a window). Without a graph
 * the dataflow is a plain bridge.
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
 * results, acknowledges its messages and is released (see version_set.ts).
 * Each message is thus processed by exactly one version: none lost, none
 * doubled.
 *
 * Every part the host starts is registered on one stack, so teardown is
 * written once, for a failed start and a stop alike.
 *
 * @module
 */
import { compareHlc, defined, type Hlc, type Message, WeirError } from "../base/mod.ts";
import type {
  ConnectorContext,
  ConnectorRegistry,
  Sink,
  Source,
  SourceBatch,
} from "../connectors/mod.ts";
import type { DataflowConfig, EndpointConfig } from "../config/mod.ts";
import type { EdgeTap } from "../engine/mod.ts";
import type { OutboundQueue } from "../store/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import { type StateQuota, StateStore } from "../wasm/mod.ts";
import { tooLargeDeadLetter } from "./dead_letters.ts";
import { DataflowOutputs, deadLetterOutDestination } from "./dataflow_outputs.ts";
import type { EventHub } from "./event_hub.ts";
import { Forwarder } from "./forwarder.ts";
import { GraphRuntime, type RuntimeContext, type VersionSpec } from "./graph_runtime.ts";
import type { GraphNnOptions } from "./nn_link.ts";
import { OutboundWriter, type QueueRoom } from "./outbound_writer.ts";
import { VersionSet } from "./version_set.ts";

/** Options for {@linkcode DataflowHost.start}. */
export interface DataflowHostOptions {
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

function latestTime(batch: SourceBatch): Hlc | undefined {
  let latest: Hlc | undefined;
  for (const r of batch.records) if (!latest || compareHlc(r.time, latest) > 0) latest = r.time;
  return latest;
}

/** Records per batch when dead letters are replayed (a source's usual batch). */
const REPLAY_BATCH = 1024;

/** A dead letter coming back as a source record. */
export interface ReplayRecord {
  /** Its original time. */
  readonly time: Hlc;
  readonly message: Message;
  /** Runs once the record is handled, as a source message's acknowledgement would. */
  readonly done: () => void;
}

/** A switch asked for, applied between two source batches. */
interface PendingSwitch {
  readonly next: GraphRuntime;
  readonly asked: number;
  readonly done: (ms: number) => void;
}

/** A running dataflow. */
export class DataflowHost {
  readonly name: string;
  readonly config: DataflowConfig;
  readonly forwarder: Forwarder;
  readonly #versions: VersionSet;
  readonly #runtime: RuntimeContext;
  readonly #outputs: DataflowOutputs;
  readonly #parts: AsyncDisposableStack;
  readonly #log: Logger;
  #busy = false;
  /** Batches (from the source or a replay) are taken one at a time, in order. */
  #intake: Promise<void> = Promise.resolve();
  #tap: EdgeTap | undefined;
  #switch: PendingSwitch | undefined;
  #pause: { promise: Promise<void>; resolve: () => void } | undefined;
  #stopped: Promise<void> | undefined;
  #source: Source | undefined;

  private constructor(
    o: DataflowHostOptions,
    parts: {
      forwarder: Forwarder;
      versions: VersionSet;
      runtime: RuntimeContext;
      outputs: DataflowOutputs;
      stack: AsyncDisposableStack;
    },
  ) {
    this.name = o.name;
    this.config = o.config;
    this.#log = o.log;
    this.forwarder = parts.forwarder;
    this.#versions = parts.versions;
    this.#runtime = parts.runtime;
    this.#outputs = parts.outputs;
    this.#parts = parts.stack;
  }

  /** Starts one dataflow: its version loaded and initialised, its source subscribed. */
  static async start(o: DataflowHostOptions): Promise<DataflowHost> {
    const stack = new AsyncDisposableStack();
    try {
      return await DataflowHost.#build(o, stack);
    } catch (error) {
      await stack.disposeAsync();
      throw error;
    }
  }

  static async #build(o: DataflowHostOptions, stack: AsyncDisposableStack): Promise<DataflowHost> {
    const { name, config, queue, log, metrics } = o;
    const labels = { dataflow: name };
    const destEndpoint = o.endpoints[config.destination.endpoint]!;
    const sink: Sink = stack.use(o.registry.get(destEndpoint.kind).createSink!({
      endpointName: config.destination.endpoint,
      endpoint: destEndpoint,
      topic: config.destination.topic,
      ...defined({ key: config.destination.key }),
    }, o.context));
    const store = new StateStore(o.statePath, o.stateQuota ? { quota: o.stateQuota } : {});
    stack.defer(() => store.close());
    const forwarder = new Forwarder({
      queue,
      destination: name,
      sink,
      log,
      metrics,
      labels,
      room: o.room,
    });
    stack.defer(() => forwarder.stop());
    const writerListeners = [() => forwarder.notify()];
    const writer = new OutboundWriter({
      queue,
      room: o.room,
      appended: () => writerListeners.forEach((wake) => wake()),
      tooLarge: (message, error) => tooLargeDeadLetter(name, message, error),
      log,
      metrics,
      labels,
    });
    const forward = config.deadLetter;
    if (forward !== undefined) {
      // Dead letters also go out, as outputs of their own destination with their own forwarder.
      const endpoint = o.endpoints[forward.endpoint]!;
      const alerts = stack.use(o.registry.get(endpoint.kind).createSink!({
        endpointName: forward.endpoint,
        endpoint,
        topic: forward.topic,
      }, o.context));
      const alertForwarder = new Forwarder({
        queue,
        destination: deadLetterOutDestination(name),
        sink: alerts,
        log,
        metrics,
        labels: { dataflow: name, output: "dead-letters" },
        room: o.room,
      });
      stack.defer(() => alertForwarder.stop());
      writerListeners.push(() => alertForwarder.notify());
      alertForwarder.start();
    }
    const outputs = stack.use(
      new DataflowOutputs({
        dataflow: name,
        writer,
        sink,
        log,
        metrics,
        ...(o.events ? { events: o.events } : {}),
        ...(forward === undefined ? {} : { forward: { topic: forward.topic } }),
      }),
    );
    // The idle clock holds while messages wait at the source or a batch is being taken.
    const waiting: { source?: Source; busy: () => boolean } = { busy: () => false };
    const runtime: RuntimeContext = {
      dataflow: name,
      modulesDir: o.modulesDir,
      cacheDir: o.cacheDir,
      statePath: o.statePath,
      stateStore: store,
      log,
      metrics,
      idleMs: o.idleMs ?? config.timing.idleMs,
      latenessMs: config.timing.latenessMs,
      side: outputs.side,
      quiet: () => !waiting.busy() && (waiting.source?.buffered ?? 0) === 0,
      encode: (record, id) => sink.encode(record, id),
      append: (messages) => writer.write(messages),
      failed: (records, error) => outputs.failed(records, error),
      ...(o.nn ? { nn: o.nn } : {}),
    };
    const initial = o.initial ? await GraphRuntime.load(o.initial, runtime) : undefined;
    const versions = new VersionSet(initial, {
      dataflow: name,
      log,
      ...(o.events ? { events: o.events } : {}),
    });
    stack.defer(() => versions.stopAll());
    const host = new DataflowHost(o, { forwarder, versions, runtime, outputs, stack });
    waiting.busy = () => host.#busy;
    const sourceEndpoint = o.endpoints[config.source.endpoint]!;
    const source: Source = o.registry.get(sourceEndpoint.kind).createSource!({
      endpointName: config.source.endpoint,
      endpoint: sourceEndpoint,
      topics: config.source.topics,
      ...(config.source.sharedGroup ? { sharedGroup: config.source.sharedGroup } : {}),
      node: `weir-${name}`,
      maxClockDriftMs: config.timing.maxClockDriftMs,
      labels,
      dataflow: name,
    }, o.context);
    stack.defer(() => source.close());
    waiting.source = source;
    host.#source = source;
    // Pending writes give up, and a paused handler lets go, before the source closes.
    stack.defer(() => {
      writer.stop();
      host.#pause?.resolve();
    });
    await source.start((batch) => host.#take(batch));
    forwarder.start();
    log.log("info", "dataflow started", {
      topics: config.source.topics,
      graph: o.initial?.graphFile ?? null,
      version: o.initial?.id ?? null,
    });
    return host;
  }

  /** The serving version's engine, when the dataflow has a graph. */
  get flow(): GraphRuntime["flow"] | undefined {
    return this.#versions.serving?.flow;
  }

  /** The serving version. */
  get current(): GraphRuntime | undefined {
    return this.#versions.serving;
  }

  /** Old versions still finishing what they took. */
  get draining(): number {
    return this.#versions.draining;
  }

  /** Records the source is behind its log (Kafka's consumer lag), when it measures that. */
  get sourceLag(): number | undefined {
    return this.#source?.lag;
  }

  get paused(): boolean {
    return this.#pause !== undefined;
  }

  /** Why the serving version failed, when it did (its input then goes to the dead letters). */
  get failure(): string | undefined {
    return this.#versions.serving?.failure?.message;
  }

  /** Loads and initialises a version beside the serving one (nothing switches yet). */
  load(spec: VersionSpec): Promise<GraphRuntime> {
    return GraphRuntime.load(spec, this.#runtime);
  }

  /** Serves `next` from the next source batch on; resolves with the input pause in ms. */
  switchTo(next: GraphRuntime): Promise<number> {
    return new Promise<number>((done, reject) => {
      if (this.#switch) {
        reject(new WeirError("conflict", `Dataflow "${this.name}" is already switching versions`));
        return;
      }
      this.#switch = { next, asked: performance.now(), done };
      if (!this.#busy) this.#applySwitch();
    });
  }

  /**
   * Feeds dead letters back as source records, with their original time and
   * properties, after the batches already waiting. Resolves once the serving
   * version took them; each record's `done` runs once it is handled.
   *
   * @throws {WeirError} `conflict` while the dataflow is stopped.
   */
  async replay(records: readonly ReplayRecord[]): Promise<void> {
    if (this.#pause) {
      throw new WeirError("conflict", `Dataflow "${this.name}" is stopped; start it to replay`);
    }
    // In batches of a source's size, so a large replay waits its turn like input does.
    for (let i = 0; i < records.length; i += REPLAY_BATCH) {
      const chunk = records.slice(i, i + REPLAY_BATCH);
      const acks = chunk.map((r) => {
        let done = false;
        return () => {
          if (done) return;
          done = true;
          r.done();
        };
      });
      await this.#take({
        records: chunk.map((r) => ({ time: r.time, data: r.message })),
        acks,
        ackAll: () => acks.forEach((ack) => ack()),
      });
    }
  }

  /** Shows what crosses the serving version's edges to `tap`, until called with undefined. */
  setTap(tap: EdgeTap | undefined): void {
    this.#tap = tap;
    this.#versions.serving?.flow.setTap(tap);
  }

  /** Holds input (the broker keeps it) until {@linkcode resume}. */
  pause(): void {
    if (this.#pause) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#pause = { promise, resolve };
  }

  resume(): void {
    this.#pause?.resolve();
    this.#pause = undefined;
  }

  /**
   * Stops taking input, flushes what it can to the destination, releases
   * everything. Open windows are not flushed: their messages come back from
   * the broker after a restart.
   */
  stop(): Promise<void> {
    return this.#stopped ??= this.#parts.disposeAsync();
  }

  /** Takes a batch once those before it were taken. */
  #take(batch: SourceBatch): Promise<void> {
    const run = this.#intake.then(() => this.#onBatch(batch));
    this.#intake = run.catch(() => {});
    return run;
  }

  async #onBatch(batch: SourceBatch): Promise<void> {
    if (this.#pause) await this.#pause.promise;
    this.#busy = true;
    try {
      await this.#feed(batch);
    } catch (error) {
      // Even storing failed (the disk?): say so loudly. The source acknowledges nonetheless,
      // since holding the batch would stall every later message on the connection.
      this.#log.log("error", "batch could not be processed or stored", {
        records: batch.records.length,
        error,
      });
      throw error;
    } finally {
      this.#busy = false;
      this.#applySwitch();
    }
  }

  async #feed(batch: SourceBatch): Promise<void> {
    const serving = this.#versions.serving;
    if (!serving) {
      await this.#outputs.bridge(batch);
      batch.ackAll();
      return;
    }
    try {
      await serving.push(batch);
    } catch (error) {
      // The graph failed: this batch goes to the dead letters, then it is acknowledged.
      await this.#outputs.failed(batch.records, error);
      batch.ackAll();
      return;
    }
    const latest = latestTime(batch);
    if (latest && this.#versions.draining > 0) this.#versions.advance(latest);
  }

  #applySwitch(): void {
    const pending = this.#switch;
    if (!pending) return;
    this.#switch = undefined;
    this.#versions.serving?.flow.setTap(undefined);
    pending.next.flow.setTap(this.#tap);
    this.#versions.replace(pending.next);
    pending.done(performance.now() - pending.asked);
  }
}
