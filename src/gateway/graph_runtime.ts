/**
 * One loaded version of a dataflow's graph: its engine, its operators (already
 * initialised) and the acknowledgements of the source messages it took. A
 * dataflow holds one serving runtime and, right after a switch, old ones that
 * finish the records they took before it.
 *
 * @module
 */
import { formatHlc, type Hlc } from "../base/mod.ts";
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
  /** Turns a result into a queue message (the destination's encoding). */
  encode(record: Rec, id: string): Omit<QueueMessage, "destination" | "id">;
  /** Appends to the outbound queue, waiting while a reject-new queue is full. */
  append(messages: QueueMessage[]): Promise<void>;
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

  private constructor(spec: VersionSpec, version: GraphVersion, flow: Dataflow, acks: AckTracker) {
    this.spec = spec;
    this.version = version;
    this.#flow = flow;
    this.#acks = acks;
  }

  /**
   * Loads the graph, compiles its modules and initialises every operator. Throws
   * (`graph_invalid`, `module_invalid`, `module_init_failed`) without side effects.
   */
  static async load(spec: VersionSpec, ctx: RuntimeContext): Promise<GraphRuntime> {
    const graph = await loadGraphFile(spec.graphFile);
    const sinkNames = graph.operations.filter((op) => op.operationType === "sink").map((op) =>
      op.name
    );
    const acks = new AckTracker(sinkNames);
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
          ...(pulledFrom === undefined ? {} : { pulledFrom }),
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
      sink: (op) => sinkWriter(ctx, spec.id, op.name, acks),
      side: ctx.side,
      clock: systemClock,
      idleMs: ctx.idleMs,
      latenessMs: ctx.latenessMs,
    });
    const version: GraphVersion = {
      id: spec.id,
      origin: spec.origin,
      ...(spec.ref === undefined ? {} : { ref: spec.ref }),
      digest: spec.digest,
      graphName: graph.metadata?.name ?? graph.source,
      loadedAt: new Date().toISOString(),
      configuration: spec.configuration,
      modules,
      graph: drawing(graph),
    };
    return new GraphRuntime(spec, version, flow, acks);
  }

  /** Feeds a source batch; its acknowledgements wait for this version's sinks. */
  async push(batch: SourceBatch): Promise<void> {
    await this.#flow.push(batch.records);
    batch.records.forEach((r, i) => this.#acks.add(r.time, batch.acks[i]!));
  }

  /** Promises this version gets nothing earlier than `time` (input moved on to another version). */
  advanceTo(time: Hlc): void {
    this.#flow.advanceTo(time);
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
}

/** Writes a sink's results into the queue with ids that are the same for the same input. */
function sinkWriter(
  ctx: RuntimeContext,
  versionId: number,
  sinkName: string,
  acks: AckTracker,
): SinkWriter {
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
    write: async (batch) => {
      const messages: QueueMessage[] = [];
      for (const r of batch) {
        const id = idOf(r);
        try {
          messages.push({ destination: ctx.dataflow, id, ...ctx.encode(r, id) });
        } catch (error) {
          ctx.side.deadLetter({ operation: sinkName, record: r, reason: (error as Error).message });
        }
      }
      if (messages.length > 0) await ctx.append(messages);
    },
    progress: (frontier) => acks.progress(sinkName, frontier),
  };
}
