/**
 * One running operation: a bounded input queue, a loop that feeds batches to
 * its behaviour one at a time, and the frontier bookkeeping that tells its
 * successors which times are complete.
 *
 * Progress rule: a node's output frontier is the minimum of its input edges'
 * frontiers and the times of records it still holds (queued or in flight).
 * Held state (delay, accumulate) is released by the behaviour before the
 * frontier moves on, so a frontier never overtakes a record on an edge.
 *
 * A record may still arrive behind a frontier (a device whose clock lags, a
 * message the broker resent): it travels like any other, and only operators
 * that keep time (accumulate) can find it late. Because such a record does
 * not hold any frontier back, completion is tracked apart from time: each node
 * knows the lowest origin (see {@linkcode Rec.origin}) among the records it
 * has queued or is processing, and says when a batch is done.
 *
 * @module
 */
import { compareHlc, type Hlc, HLC_MAX, HLC_MIN, minHlc } from "../base/mod.ts";
import type { OperationType } from "../graph/mod.ts";
import { batchMinOrigin, batchMinTime, type Rec } from "./record.ts";
import { emptyStats, type OperationStats } from "./stats.ts";

/** An edge between two nodes, with the frontier its sender has promised. */
export interface Edge {
  readonly to: Node;
  /** This edge's position among the receiver's inputs. */
  readonly input: number;
  frontier: Hlc;
}

/** What a node does with a batch and with frontier progress. */
export interface Behavior {
  /** Handles one batch from input `input` of the queue; a promise only when it must wait. */
  process(node: Node, batch: readonly Rec[], input: number): Promise<void> | undefined;
  /** Releases held state now complete below `frontier`; returns the earliest time still held. */
  advance?(node: Node, frontier: Hlc): Promise<Hlc> | Hlc;
}

/**
 * Sees every batch a node sends along an edge (`from` → `to`), for a live
 * view of what crosses it. It must not keep or change the records.
 */
export type EdgeTap = (from: string, to: string, batch: readonly Rec[]) => void;

/** What a node tells its graph. */
export interface NodeHooks {
  /** A failure that stops the graph (a bug or a sink that cannot write). */
  readonly onFatal: (error: unknown) => void;
  /** A batch left the node (its results are queued downstream, written or dropped). */
  readonly onSettle?: (() => void) | undefined;
}

/** A running operation. */
export class Node {
  readonly name: string;
  readonly kind: OperationType;
  readonly stats: OperationStats = emptyStats();
  /** Outgoing edges by arm: "False"/"True" for a branch, "" for every other node. */
  readonly outputs = new Map<string, Edge[]>();
  readonly inputs: Edge[] = [];
  behavior: Behavior | undefined;
  /** The frontier this node has promised downstream. */
  outFrontier: Hlc = HLC_MIN;
  /** The earliest time the behaviour still holds (a delayed record, an open window); MAX if none. */
  heldUntil: Hlc = HLC_MAX;
  /** Set only while someone watches an edge: unwatched, sending costs one check. */
  tap: EdgeTap | undefined;

  readonly #capacity: number;
  readonly #hooks: NodeHooks;
  #queue: (readonly Rec[])[] = [];
  /** The input each queued batch came from, parallel to #queue. */
  #from: number[] = [];
  /** The lowest origin of each queued batch, parallel to #queue. */
  #origins: number[] = [];
  /** The lowest origin of the batch being processed; Infinity when idle. */
  #current = Infinity;
  #head = 0;
  #queued = 0;
  #running = false;
  #dirty = false;
  #spaceWaiters: (() => void)[] = [];
  #doneWaiters: (() => void)[] = [];

  /** Makes a node with an input queue bounded to `capacity` records. */
  constructor(name: string, kind: OperationType, capacity: number, hooks: NodeHooks) {
    this.name = name;
    this.kind = kind;
    this.#capacity = capacity;
    this.#hooks = hooks;
  }

  /** The lowest origin among the records queued here or being processed; Infinity if none. */
  minOrigin(): number {
    let min = this.#current;
    for (let i = this.#head; i < this.#origins.length; i++) {
      if (this.#origins[i]! < min) min = this.#origins[i]!;
    }
    return min;
  }

  /** The edges to send records on (all of them when `arm` is ""). */
  edges(arm = ""): Edge[] {
    return this.outputs.get(arm) ?? [];
  }

  /** The minimum of the input edges' frontiers; the source sets its own. */
  inputFrontier(): Hlc {
    let f = HLC_MAX;
    for (const e of this.inputs) f = minHlc(f, e.frontier);
    return f;
  }

  /**
   * Queues a batch. Returns a promise only when the queue is full and the
   * caller must wait; a batch always fits an empty queue.
   */
  enqueue(batch: readonly Rec[], input = 0): Promise<void> | undefined {
    if (this.#queued > 0 && this.#queued + batch.length > this.#capacity) {
      return this.#enqueueWhenRoom(batch, input);
    }
    this.#accept(batch, input);
    return undefined;
  }

  /**
   * Sends a batch along edges, in order. Returns a promise only when a
   * receiver is full: awaiting it is the back-pressure.
   */
  send(edges: readonly Edge[], batch: readonly Rec[]): Promise<void> | undefined {
    if (batch.length === 0) return undefined;
    this.stats.recordsOut += batch.length;
    if (this.tap !== undefined) { for (const e of edges) this.tap(this.name, e.to.name, batch); }
    for (let i = 0; i < edges.length; i++) {
      const wait = edges[i]!.to.enqueue(batch, edges[i]!.input);
      if (wait) return this.#sendRest(wait, edges, i + 1, batch);
    }
    return undefined;
  }

  async #sendRest(
    wait: Promise<void>,
    edges: readonly Edge[],
    from: number,
    batch: readonly Rec[],
  ) {
    await wait;
    for (let i = from; i < edges.length; i++) await edges[i]!.to.enqueue(batch, edges[i]!.input);
  }

  async #enqueueWhenRoom(batch: readonly Rec[], input: number): Promise<void> {
    while (this.#queued > 0 && this.#queued + batch.length > this.#capacity) {
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
    }
    this.#accept(batch, input);
  }

  #accept(batch: readonly Rec[], input: number): void {
    this.#queue.push(batch);
    this.#from.push(input);
    this.#origins.push(batchMinOrigin(batch));
    this.#queued += batch.length;
    this.stats.recordsIn += batch.length;
    this.wake();
  }

  /** Asks the node to run its loop (process queued batches, then advance). */
  wake(): void {
    if (this.#running) {
      this.#dirty = true;
      return;
    }
    this.#running = true;
    // The loop runs synchronously until an operator or a full queue makes it wait.
    this.#loop().catch(this.#hooks.onFatal);
  }

  /** Resolves once the node's output frontier has reached the end of time. */
  finished(): Promise<void> {
    if (compareHlc(this.outFrontier, HLC_MAX) >= 0) return Promise.resolve();
    return new Promise((resolve) => this.#doneWaiters.push(resolve));
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#dirty = false;
        while (this.#head < this.#queue.length) {
          const batch = this.#queue[this.#head]!;
          const input = this.#from[this.#head]!;
          this.#current = this.#origins[this.#head]!;
          this.#queue[this.#head++] = [];
          if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
            this.#queue = this.#queue.slice(this.#head);
            this.#from = this.#from.slice(this.#head);
            this.#origins = this.#origins.slice(this.#head);
            this.#head = 0;
          }
          this.#queued -= batch.length;
          this.#releaseSpace();
          this.stats.batches++;
          try {
            const r = this.behavior?.process(this, batch, input);
            if (r instanceof Promise) await r;
          } finally {
            this.#current = Infinity;
          }
          this.#hooks.onSettle?.();
        }
        const a = this.#advance();
        if (a) await a;
      } while (this.#dirty || this.#head < this.#queue.length);
    } finally {
      this.#running = false;
    }
  }

  #releaseSpace(): void {
    if (this.#spaceWaiters.length === 0) return;
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * The earliest queued time. The loop drains the queue before it advances, so
   * this is almost always the end of time; it is computed only when needed.
   */
  #queueMin(): Hlc {
    let f = HLC_MAX;
    for (let i = this.#head; i < this.#queue.length; i++) {
      f = minHlc(f, batchMinTime(this.#queue[i]!));
    }
    return f;
  }

  #advance(): Promise<void> | undefined {
    const complete = minHlc(this.inputFrontier(), this.#queueMin());
    const held = this.behavior?.advance?.(this, complete) ?? HLC_MAX;
    if (held instanceof Promise) {
      return held.then((h) => {
        this.heldUntil = h;
        this.#promise(minHlc(complete, h));
      });
    }
    this.heldUntil = held;
    this.#promise(minHlc(complete, held));
    return undefined;
  }

  /** Moves the output frontier to `out` if that is progress, and tells the successors. */
  #promise(out: Hlc): void {
    if (compareHlc(out, this.outFrontier) <= 0) return;
    this.outFrontier = out;
    for (const edges of this.outputs.values()) {
      for (const e of edges) {
        e.frontier = out;
        e.to.wake();
      }
    }
    if (compareHlc(out, HLC_MAX) >= 0) {
      const waiters = this.#doneWaiters;
      this.#doneWaiters = [];
      for (const w of waiters) w();
    }
  }
}
