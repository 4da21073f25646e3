/**
 * A running graph: builds a node per operation and an edge per connection,
 * then takes records at the source and delivers results to the sinks.
 *
 * @module
 */
import { compareHlc, type Hlc, HLC_MAX, WeirError } from "../base/mod.ts";
import type { GraphDefinition, Operation } from "../graph/mod.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type Behavior, type EdgeTap, Node } from "./node.ts";
import type { OperatorLogic, SinkWriter } from "./operator.ts";
import { accumulateBehavior } from "./operators/accumulate.ts";
import { branchBehavior } from "./operators/branch.ts";
import type { BehaviorContext } from "./operators/context.ts";
import { delayBehavior } from "./operators/delay.ts";
import { filterBehavior } from "./operators/filter.ts";
import { mapBehavior } from "./operators/map.ts";
import { orderedMergeBehavior } from "./operators/ordered_merge.ts";
import { passthroughBehavior } from "./operators/passthrough.ts";
import { sinkBehavior } from "./operators/sink.ts";
import type { Rec } from "./record.ts";
import { collectingSideOutputs, type SideOutputs } from "./side_output.ts";
import { SourceProgress } from "./source_progress.ts";
import type { OperationStats } from "./stats.ts";

const ACCEPTED: Promise<void> = Promise.resolve();

/** `fn`, called at most once per microtask turn however often it is asked for. */
function coalesced(fn: (() => void) | undefined): (() => void) | undefined {
  if (fn === undefined) return undefined;
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      fn();
    });
  };
}

function fanIn(graph: GraphDefinition, name: string): number {
  return graph.connections.filter((c) => c.to === name).length;
}

/** Options for {@linkcode Dataflow.start}. */
export interface DataflowOptions {
  /** Makes the operator code for a map, filter, branch, delay or accumulate operation. */
  logic(operation: Operation): OperatorLogic | Promise<OperatorLogic>;
  /** Where a sink operation writes. */
  sink(operation: Operation): SinkWriter;
  /** Late records and dead letters. @default kept in memory */
  side?: SideOutputs;
  /** The wall clock for the idle frontier. @default the system clock */
  clock?: Clock;
  /** Quiet input time after which the source frontier follows the wall clock. @default 1000 */
  idleMs?: number;
  /** How far behind the latest time a record may arrive and still be on time. @default 0 */
  latenessMs?: number;
  /** False while input waits to be admitted: the idle clock then holds. @default always quiet */
  quiet?: () => boolean;
  /**
   * Called (at most once per microtask turn) after records left an operation: the lowest
   * origin in flight ({@linkcode Dataflow.minOrigin}) may have risen.
   */
  onSettle?: () => void;
  /** Records each operation may hold queued before its sender waits. @default 8192 */
  queueCapacity?: number;
  /**
   * Merge several inputs (concatenate, a sink with several edges) in time order once the
   * frontier passes, so output order never depends on scheduling. Adds latency. @default false
   */
  orderedMerge?: boolean;
}

function behaviorFor(
  kind: OperatorLogic["kind"],
  logic: OperatorLogic,
  ctx: BehaviorContext,
): Behavior {
  switch (logic.kind) {
    case "map":
      return mapBehavior(logic, ctx);
    case "filter":
      return filterBehavior(logic, ctx);
    case "branch":
      return branchBehavior(logic, ctx);
    case "delay":
      return delayBehavior(logic, ctx);
    case "accumulate":
      return accumulateBehavior(logic, ctx);
  }
  throw new TypeError(`Unknown operator kind "${kind}"`);
}

/** A graph that is running. */
export class Dataflow {
  readonly graph: GraphDefinition;
  readonly #nodes: Map<string, Node>;
  readonly #source: SourceProgress;
  readonly #logic: OperatorLogic[];
  readonly #sinks: SinkWriter[];
  #fatal: unknown;
  #failed: Promise<never>;
  #fail: (error: unknown) => void = () => {};
  /** Resolves with the error once the graph failed. */
  readonly failed: Promise<unknown>;

  /** The error the graph failed with, set the moment it fails; undefined while it runs. */
  get fatal(): unknown {
    return this.#fatal;
  }

  private constructor(
    graph: GraphDefinition,
    parts: {
      nodes: Map<string, Node>;
      source: SourceProgress;
      logic: OperatorLogic[];
      sinks: SinkWriter[];
    },
  ) {
    this.graph = graph;
    this.#nodes = parts.nodes;
    this.#source = parts.source;
    this.#logic = parts.logic;
    this.#sinks = parts.sinks;
    this.#failed = new Promise<never>((_, reject) => (this.#fail = reject));
    this.failed = this.#failed.catch((error: unknown) => error);
  }

  /** Builds the graph's operators and starts the source's idle clock. */
  static async start(graph: GraphDefinition, options: DataflowOptions): Promise<Dataflow> {
    const capacity = options.queueCapacity ?? 8192;
    const ctx: BehaviorContext = { side: options.side ?? collectingSideOutputs() };
    // Nodes report fatal errors to the flow, which exists only once they are built.
    const built: { flow?: Dataflow } = {};
    const onFatal = (error: unknown) => {
      if (built.flow) built.flow.#onFatal(error);
    };
    const onSettle = coalesced(options.onSettle);
    const nodes = new Map<string, Node>();
    const logic: OperatorLogic[] = [];
    const sinks: SinkWriter[] = [];
    try {
      for (const op of graph.operations) {
        const node = new Node(op.name, op.operationType, capacity, { onFatal, onSettle });
        nodes.set(op.name, node);
        const merges = options.orderedMerge === true && fanIn(graph, op.name) > 1;
        if (op.operationType === "source" || op.operationType === "concatenate") {
          node.behavior = merges
            ? orderedMergeBehavior((n, rs) => n.send(n.edges(), rs))
            : passthroughBehavior;
        } else if (op.operationType === "sink") {
          const writer = options.sink(op);
          sinks.push(writer);
          const write = sinkBehavior(writer);
          node.behavior = merges ? orderedMergeBehavior((n, rs) => write.process(n, rs, 0)) : write;
        } else {
          const l = await options.logic(op);
          logic.push(l);
          if (l.kind !== op.operationType) {
            throw new WeirError(
              "operator_failed",
              `Operation "${op.name}" is a ${op.operationType} but its operator is a ${l.kind}`,
            );
          }
          node.behavior = behaviorFor(op.operationType, l, ctx);
        }
      }
    } catch (error) {
      await Promise.allSettled(logic.map((l) => l.close?.()));
      throw error;
    }
    for (const c of graph.connections) {
      const from = nodes.get(c.from)!;
      const to = nodes.get(c.to)!;
      const edge = { to, input: to.inputs.length, frontier: from.outFrontier };
      to.inputs.push(edge);
      const arm = from.kind === "branch" ? (c.arm ?? "False") : "";
      from.outputs.set(arm, [...from.edges(arm), edge]);
    }
    const sourceNode = [...nodes.values()].find((n) => n.kind === "source")!;
    const source = new SourceProgress(sourceNode, {
      clock: options.clock ?? systemClock,
      idleMs: options.idleMs ?? 1000,
      latenessMs: options.latenessMs ?? 0,
      ...(options.quiet ? { quiet: options.quiet } : {}),
    });
    built.flow = new Dataflow(graph, { nodes, source, logic, sinks });
    return built.flow;
  }

  /**
   * Shows every batch sent along an edge to `tap`, until called with
   * undefined. A tap that throws is removed, so a watcher never breaks the graph.
   */
  setTap(tap: EdgeTap | undefined): void {
    const safe: EdgeTap | undefined = tap === undefined ? undefined : (from, to, batch) => {
      try {
        tap(from, to, batch);
      } catch {
        this.setTap(undefined);
      }
    };
    for (const node of this.#nodes.values()) node.tap = safe;
  }

  /** Feeds records to the source; resolves when they are accepted (back-pressure). */
  push(records: readonly Rec[]): Promise<void> {
    if (this.#fatal !== undefined) return Promise.reject(this.#fatal);
    const wait = this.#source.push(records);
    return wait === undefined ? ACCEPTED : Promise.race([wait, this.#failed]);
  }

  /** Promises the source will send nothing earlier than `time`. */
  advanceTo(time: Hlc): void {
    this.#source.advanceTo(time);
  }

  /** The source's frontier. */
  get frontier(): Hlc {
    return this.#source.frontier;
  }

  /**
   * The lowest origin among records queued or being processed anywhere in the
   * graph; Infinity when none is. Records folded into a window or held by a
   * delay belong to that operator's state and are not counted.
   */
  minOrigin(): number {
    let min = Infinity;
    for (const node of this.#nodes.values()) {
      const m = node.minOrigin();
      if (m < min) min = m;
    }
    return min;
  }

  /** True while any operation holds state: a delayed record or an open window. */
  holding(): boolean {
    for (const node of this.#nodes.values()) {
      if (compareHlc(node.heldUntil, HLC_MAX) < 0) return true;
    }
    return false;
  }

  /** Ends the input, waits until every sink has everything, then releases the operators. */
  async close(): Promise<void> {
    try {
      await Promise.race([this.#source.close(), this.#failed]);
      const sinks = [...this.#nodes.values()].filter((n) => n.kind === "sink");
      await Promise.race([Promise.all(sinks.map((n) => n.finished())), this.#failed]);
    } finally {
      await this.#release();
    }
  }

  /** Stops at once without draining: for shutdown after a failure. */
  async stop(): Promise<void> {
    this.#source.stop();
    await this.#release();
  }

  /** Counters per operation name. */
  stats(): Record<string, OperationStats> {
    const out: Record<string, OperationStats> = {};
    for (const [name, node] of this.#nodes) out[name] = { ...node.stats };
    return out;
  }

  async #release(): Promise<void> {
    await Promise.allSettled([
      ...this.#logic.map((l) => l.close?.()),
      ...this.#sinks.map((s) => s.close?.()),
    ]);
  }

  #onFatal(error: unknown): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    this.#source.stop();
    this.#fail(error);
  }
}
