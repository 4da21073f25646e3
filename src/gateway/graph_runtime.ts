/**
 * One loaded version of a dataflow's graph: its engine, its operators (already
 * initialised) and the acknowledgements of the source messages it took. A
 * dataflow holds one serving runtime and, right after a switch, old ones that
 * finish the records they took before it.
 *
 * Each admitted message gets an origin number; its acknowledgement goes out
 * once nothing derived from it is in flight in the engine (see
 * ack_tracker.ts). Should the engine fail, the messages it still holds are
 * dead-lettered and acknowledged, so nothing is lost and no later message on
 * the connection waits for them.
 *
 * @module
 */
import { defined, formatHlc, type Hlc, WeirError } from "../base/mod.ts";
import type { SourceBatch } from "../connectors/mod.ts";
import {
  Dataflow,
  type Rec,
  type SideOutputs,
  type SinkWriter,
  systemClock,
} from "../engine/mod.ts";
import { type GraphDefinition, loadGraphFile } from "../graph/mod.ts";
import type { QueueMessage } from "../store/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import type { StateStore } from "../wasm/mod.ts";
import { AckTracker } from "./ack_tracker.ts";
import type { GraphDrawing, GraphVersion, VersionOrigin } from "./control.ts";
import { graphOperators } from "./graph_operators.ts";
import { moduleName } from "./module_ref.ts";
import type { GraphNnOptions } from "./nn_link.ts";

/** Everything needed to load a version again (after a restart or for a rollback). */
export interface VersionSpec {
  readonly id: number;
  readonly origin: VersionOrigin;
  readonly ref?: string;
  readonly digest: string;
  /** Absolute path of the graph YAML. */
  readonly graphFile: string;
  /** Module files by the reference the graph writes; others resolve in the modules folder. */
  readonly moduleFiles: Readonly<Record<string, string>>;
  /** The OCI reference each pulled module came from. */
  readonly pulledFrom: Readonly<Record<string, string>>;
  readonly configuration: Readonly<Record<string, string>>;
  /** Filled in once loaded, to describe a version that is not loaded (a rollback target). */
  readonly loaded?: Pick<GraphVersion, "graphName" | "modules" | "graph">;
}

/** What a runtime needs from its dataflow. */
export interface RuntimeContext {
  readonly dataflow: string;
  readonly modulesDir: string;
  readonly cacheDir: string;
  readonly statePath: string;
  readonly stateStore: StateStore;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly idleMs: number;
  readonly latenessMs: number;
  readonly side: SideOutputs;
  /** False while input waits at the source (the idle clock then holds). */
  readonly quiet?: () => boolean;
  /** Turns a result into a queue message (the destination's encoding). */
  encode(record: Rec, id: string): Omit<QueueMessage, "destination" | "id">;
  /** Appends to the outbound queue; a promise while a reject-new queue is full. */
  append(messages: QueueMessage[]): Promise<void> | undefined;
  /** Stores source records the graph could not finish (it failed) as dead letters. */
  failed(records: readonly Rec[], error: unknown): Promise<void> | undefined;
  /** wasi-nn for the graph's modules. */
  readonly nn?: GraphNnOptions;
}

function drawing(graph: GraphDefinition): GraphDrawing {
  return {
    operations: graph.operations.map((op) => ({
      name: op.name,
      type: op.operationType,
      ...(op.module === null ? {} : { module: op.module }),
    })),
    connections: graph.connections.map((c) => ({
      from: c.from,
      to: c.to,
      ...(c.arm === null ? {} : { arm: c.arm }),
    })),
  };
}

/** A loaded, initialised graph version. */
export class GraphRuntime {
  readonly spec: VersionSpec;
  readonly version: GraphVersion;
  readonly #flow: Dataflow;
  readonly #acks: AckTracker;
  readonly #ctx: RuntimeContext;
  #failure: WeirError | undefined;
  #drainedWaiters: Array<() => void> = [];

  private constructor(
    spec: VersionSpec,
    version: GraphVersion,
    flow: Dataflow,
    parts: { acks: AckTracker; ctx: RuntimeContext },
  ) {
    this.spec = spec;
    this.version = version;
    this.#flow = flow;
    this.#acks = parts.acks;
    this.#ctx = parts.ctx;
    flow.failed.then((error) => this.#onFailed(error));
  }

  /**
   * Loads the graph, compiles its modules and initialises every operator. Throws
   * (`graph_invalid`, `module_invalid`, `module_init_failed`) without side effects.
   */
  static async load(spec: VersionSpec, ctx: RuntimeContext): Promise<GraphRuntime> {
    const graph = await loadGraphFile(spec.graphFile);
    const acks = new AckTracker();
    // The engine tells when records leave an operation; the runtime exists only once it is built.
    const built: { runtime?: GraphRuntime } = {};
    const modules: Array<GraphVersion["modules"][number]> = [];
    const logic = await graphOperators(graph, {
      modulesDir: ctx.modulesDir,
      moduleFiles: new Map(Object.entries(spec.moduleFiles)),
      onModule: (ref, file) => {
        const pulledFrom = spec.pulledFrom[ref];
        modules.push({
          name: moduleName(ref),
          ref,
          digest: file.digest,
          size: file.size,
          ...defined({ pulledFrom }),
        });
      },
      config: new Map(Object.entries(spec.configuration)),
      cacheDir: ctx.cacheDir,
      log: ctx.log,
      metrics: ctx.metrics,
      stateStore: ctx.stateStore,
      statePath: ctx.statePath,
      ...(ctx.nn ? { nn: ctx.nn } : {}),
    });
    const flow = await Dataflow.start(graph, {
      logic,
      sink: (op) => sinkWriter(ctx, spec.id, op.name),
      side: ctx.side,
      clock: systemClock,
      idleMs: ctx.idleMs,
      latenessMs: ctx.latenessMs,
      ...(ctx.quiet ? { quiet: ctx.quiet } : {}),
      onSettle: () => {
        if (built.runtime) built.runtime.#settle();
      },
    });
    const version: GraphVersion = {
      id: spec.id,
      origin: spec.origin,
      ...defined({ ref: spec.ref }),
      digest: spec.digest,
      graphName: graph.metadata?.name ?? graph.source,
      loadedAt: new Date().toISOString(),
      configuration: spec.configuration,
      modules,
      graph: drawing(graph),
    };
    built.runtime = new GraphRuntime(spec, version, flow, { acks, ctx });
    return built.runtime;
  }

  /**
   * Feeds a source batch; each acknowledgement waits until nothing derived from
   * its message is in flight. Resolves once the engine took the batch (it waits
   * while the graph is full: the back-pressure).
   *
   * @throws {WeirError} `operator_failed` when the graph has failed (the batch is not taken).
   */
  async push(batch: SourceBatch): Promise<void> {
    if (this.#failure) throw this.#failure;
    const first = this.#acks.reserve(batch.records.length);
    const records = batch.records.map((r, i): Rec => ({
      time: r.time,
      data: r.data,
      origin: first + i,
    }));
    try {
      await this.#flow.push(records);
    } catch (error) {
      // Failed while this batch waited: what the graph held goes to the dead letters; this
      // batch never entered (its reserved origins are dropped too), so it is the caller's.
      this.#onFailed(this.#flow.fatal ?? error);
      throw this.#failure ?? error;
    }
    for (let i = 0; i < records.length; i++) {
      this.#acks.add(first + i, records[i]!, batch.acks[i]!);
    }
    this.#settle();
  }

  /** Why this version failed, when it did. */
  get failure(): WeirError | undefined {
    return this.#failure;
  }

  /** Promises this version gets nothing earlier than `time` (input moved on to another version). */
  advanceTo(time: Hlc): void {
    this.#flow.advanceTo(time);
    this.#checkDrained();
  }

  /**
   * Resolves once this version has nothing left: every message it took is
   * acknowledged and no operation holds a delayed record or an open window.
   * An old version is released then (it gets no more input).
   */
  whenDrained(): Promise<void> {
    return new Promise((resolve) => {
      this.#drainedWaiters.push(resolve);
      this.#checkDrained();
    });
  }

  /** Source messages whose results are not all stored yet. */
  get pending(): number {
    return this.#acks.size;
  }

  /** Per-operation counters. */
  stats(): ReturnType<Dataflow["stats"]> {
    return this.#flow.stats();
  }

  /** The engine (for callers that read frontiers or stats). */
  get flow(): Dataflow {
    return this.#flow;
  }

  /** Releases the operators at once; unacknowledged input comes back from the broker later. */
  stop(): Promise<void> {
    return this.#flow.stop();
  }

  /** Acknowledges every message nothing of which is in flight any more. */
  #settle(): void {
    if (this.#failure) return;
    // Records a failure threw away are in flight nowhere, yet not stored: never acknowledge them.
    if (this.#flow.fatal !== undefined) return this.#onFailed(this.#flow.fatal);
    this.#acks.releaseBelow(this.#flow.minOrigin());
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#drainedWaiters.length === 0) return;
    const done = this.#failure !== undefined ||
      (this.#acks.size === 0 && this.#flow.minOrigin() === Infinity && !this.#flow.holding());
    if (!done) return;
    const waiters = this.#drainedWaiters;
    this.#drainedWaiters = [];
    for (const w of waiters) w();
  }

  /** The engine failed: what it held is dead-lettered, then acknowledged. */
  #onFailed(error: unknown): void {
    if (this.#failure) return;
    const reason = error instanceof Error ? error.message : String(error);
    this.#failure = new WeirError(
      "operator_failed",
      `Graph version ${this.spec.id} of "${this.#ctx.dataflow}" failed: ${reason}`,
      { cause: error },
    );
    const held = this.#acks.takeAll();
    this.#ctx.log.log("error", "graph failed; its in-flight messages go to the dead letters", {
      version: this.spec.id,
      messages: held.length,
      error: reason,
    });
    const ackAll = () => {
      held.forEach((p) => p.ack());
      this.#checkDrained();
    };
    try {
      const w = this.#ctx.failed(held.map((p) => p.record), this.#failure);
      if (w) w.then(ackAll, (e) => this.#lost(held.length, e));
      else ackAll();
    } catch (e) {
      this.#lost(held.length, e);
    }
  }

  /** Dead-lettering failed too: the messages stay with the broker (it resends them). */
  #lost(count: number, error: unknown): void {
    this.#ctx.log.log("error", "could not store the failed graph's messages; left unacknowledged", {
      messages: count,
      error,
    });
  }
}

/** Writes a sink's results into the queue with ids that are the same for the same input. */
function sinkWriter(ctx: RuntimeContext, versionId: number, sinkName: string): SinkWriter {
  let lastTime: Hlc | undefined;
  let n = 0;
  const idOf = (r: Rec) => {
    if (
      lastTime && lastTime.ms === r.time.ms && lastTime.counter === r.time.counter &&
      lastTime.node === r.time.node
    ) n++;
    else n = 0;
    lastTime = r.time;
    return `${ctx.dataflow}/v${versionId}/${sinkName}/${formatHlc(r.time)}/${n}`;
  };
  return {
    write: (batch) => {
      const messages: QueueMessage[] = [];
      const pending: Promise<void>[] = [];
      for (const r of batch) {
        const id = idOf(r);
        try {
          messages.push({ destination: ctx.dataflow, id, ...ctx.encode(r, id) });
        } catch (error) {
          const reason = (error as Error).message;
          const w = ctx.side.deadLetter({ operation: sinkName, record: r, reason });
          if (w instanceof Promise) pending.push(w);
        }
      }
      const w = ctx.append(messages);
      if (w) pending.push(w);
      return pending.length === 0 ? undefined : Promise.all(pending).then(() => {});
    },
  };
}
