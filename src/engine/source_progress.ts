/**
 * The source's promise about time. Its frontier follows the latest time seen
 * (less an allowed lateness), and, once input has been quiet for the idle
 * period, keeps moving at wall-clock speed from there, so the last window
 * closes when sensors go quiet. Input still waiting to be admitted is not
 * quiet: the idle clock never overtakes messages already in hand.
 *
 * Every record is admitted, also one behind the frontier (a lagging device, a
 * message resent after a crash): lateness is a property of windows, judged by
 * the operators that keep time, never by the source.
 *
 * @module
 */
import { compareHlc, type Hlc, hlc, HLC_MAX, HLC_MIN } from "../base/mod.ts";
import type { Clock } from "./clock.ts";
import type { Edge, Node } from "./node.ts";
import type { Rec } from "./record.ts";

/** Options for {@linkcode SourceProgress}. */
export interface SourceProgressOptions {
  readonly clock: Clock;
  /** Quiet time after which the frontier follows the wall clock. @default 1000 */
  readonly idleMs: number;
  /** How far behind the latest time a record may be and still be on time. @default 0 */
  readonly latenessMs: number;
  /** False while input is waiting to be admitted (the idle clock then holds). @default always quiet */
  readonly quiet?: () => boolean;
}

/** Feeds the source node and moves its frontier. */
export class SourceProgress {
  readonly #node: Node;
  readonly #input: Edge;
  readonly #options: SourceProgressOptions;
  #maxSeen: Hlc | undefined;
  #lastArrival = 0;
  /** The last push still waiting for room, if any; later pushes queue behind it. */
  #pending: Promise<void> | undefined;
  #stopTimer: () => void;

  /** Starts the idle clock for `node`, the graph's source. */
  constructor(node: Node, options: SourceProgressOptions) {
    this.#node = node;
    this.#options = options;
    this.#input = { to: node, input: node.inputs.length, frontier: HLC_MIN };
    node.inputs.push(this.#input);
    const tick = Math.max(1, Math.min(options.idleMs, 250));
    this.#stopTimer = options.clock.every(tick, () => this.#onTick());
  }

  /** The source's current frontier. */
  get frontier(): Hlc {
    return this.#input.frontier;
  }

  /**
   * Admits a batch. Returns a promise only when the graph is full and the
   * caller must wait (the back-pressure point). Batches are admitted in call order.
   */
  push(records: readonly Rec[]): Promise<void> | undefined {
    const run = this.#pending === undefined
      ? this.#admit(records)
      : this.#pending.then(() => this.#admit(records));
    if (run === undefined) return undefined;
    this.#pending = run;
    const clear = () => {
      if (this.#pending === run) this.#pending = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  /** Promises that no record earlier than `time` will come. */
  advanceTo(time: Hlc): void {
    this.#moveTo(time);
  }

  /** End of input: after queued pushes, the frontier goes to the end of time. */
  async close(): Promise<void> {
    await this.#pending?.catch(() => {});
    this.#stopTimer();
    this.#moveTo(HLC_MAX);
  }

  /** Stops the idle clock without closing. */
  stop(): void {
    this.#stopTimer();
  }

  #admit(records: readonly Rec[]): Promise<void> | undefined {
    let max = this.#maxSeen;
    for (let i = 0; i < records.length; i++) {
      const t = records[i]!.time;
      if (max === undefined || compareHlc(t, max) > 0) max = t;
    }
    this.#maxSeen = max;
    this.#lastArrival = this.#options.clock.now();
    const wait = records.length > 0 ? this.#node.enqueue(records) : undefined;
    const progress = () => {
      if (max !== undefined) this.#moveTo(hlc(max.ms - this.#options.latenessMs));
    };
    if (wait) return wait.then(progress);
    progress();
    return undefined;
  }

  #onTick(): void {
    if (this.#pending !== undefined || this.#maxSeen === undefined) return;
    if (this.#options.quiet?.() === false) {
      this.#lastArrival = this.#options.clock.now();
      return;
    }
    const quiet = this.#options.clock.now() - this.#lastArrival;
    if (quiet < this.#options.idleMs) return;
    this.#moveTo(hlc(this.#maxSeen.ms + quiet - this.#options.idleMs));
  }

  #moveTo(time: Hlc): void {
    if (compareHlc(time, this.#input.frontier) <= 0) return;
    this.#input.frontier = time;
    this.#node.wake();
  }
}
