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
 * @module
 */
import { compareHlc, type Hlc, HLC_MAX, HLC_MIN, minHlc } from "../base/mod.ts";
import type { OperationType } from "../graph/mod.ts";
import { batchMinTime, type Rec } from "./record.ts";
import { emptyStats, type OperationStats } from "./stats.ts";

/** An edge between two nodes, with the frontier its sender has promised. */
export interface Edge {
  readonly to: Node;
  frontier: Hlc;
}

/** What a node does with a batch and with frontier progress. */
export interface Behavior {
  /** Handles one batch from the input queue. */
  process(node: Node, batch: readonly Rec[]): Promise<void> | void;
  /** Releases held state now complete below `frontier`; returns the earliest time still held. */
  advance?(node: Node, frontier: Hlc): Promise<Hlc> | Hlc;
}


/** Reports a failure that stops the graph (a bug or a sink that cannot write). */
export type FatalHandler = (error: unknown) => void;

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

  readonly #capacity: number;
  readonly #onFatal: FatalHandler;
  #queue: (readonly Rec[])[] = [];
  #head = 0;
  #queued = 0;
  #running = false;
  #dirty = false;
  #spaceWaiters: (() => void)[] = [];
  #doneWaiters: (() => void)[] = [];

  /** Makes a node with an input queue bounded to `capacity` records. */
  constructor(name: string, kind: OperationType, capacity: number, onFatal: FatalHandler) {
    this.name = name;
    this.kind = kind;
    this.#capacity = capacity;
    this.#onFatal = onFatal;
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

  /** Queues a batch, waiting while the queue is full. A batch always fits an empty queue. */
  async enqueue(batch: readonly Rec[]): Promise<void> {
    while (this.#queued > 0 && this.#queued + batch.length > this.#capacity) {
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
    }
    this.#queue.push(batch);
    this.#queued += batch.length;
    this.stats.recordsIn += batch.length;
    this.wake();
  }

  /** Sends a batch along edges, in order; awaiting it is the back-pressure. */
  async send(edges: readonly Edge[], batch: readonly Rec[]): Promise<void> {
    if (batch.length === 0) return;
    this.stats.recordsOut += batch.length;
    for (const e of edges) await e.to.enqueue(batch);
  }

  /** Asks the node to run its loop (process queued batches, then advance). */
  wake(): void {
    if (this.#running) {
      this.#dirty = true;
      return;
    }
    this.#running = true;
    this.#loop().catch(this.#onFatal);
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
          this.#queue[this.#head++] = [];
          if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
            this.#queue = this.#queue.slice(this.#head);
            this.#head = 0;
          }
          this.#queued -= batch.length;
          this.#releaseSpace();
          this.stats.batches++;
          const r = this.behavior?.process(this, batch);
          if (r instanceof Promise) await r;
        }
        await this.#advance();
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
    for (let i = this.#head; i < this.#queue.length; i++) f = minHlc(f, batchMinTime(this.#queue[i]!));
    return f;
  }

  async #advance(): Promise<void> {
    const complete = minHlc(this.inputFrontier(), this.#queueMin());
    let held = HLC_MAX;
    if (this.behavior?.advance) {
      const r = this.behavior.advance(this, complete);
      held = r instanceof Promise ? await r : r;
    }
    const out = minHlc(complete, held);
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
