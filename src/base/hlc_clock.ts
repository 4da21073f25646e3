/**
 * The mutable clock a node keeps: `updateNow` before it stamps a local event,
 * `update` when it learns of a remote one. Follows the AIO SDK's rules: the
 * wall clock wins when it is ahead and resets the counter; otherwise the
 * counter moves past both sides.
 *
 * Remote times come from devices, which may be wrong or hostile, so the
 * clock never throws on that path: {@linkcode HlcClock.distrust} says why a
 * remote time must not be merged (too far in the future, a counter the
 * clock's arithmetic could not carry on from), and `update` merges only what
 * is trusted. A counter that runs out moves the physical part forward by a
 * millisecond instead of failing.
 *
 * @module
 */
import { DEFAULT_MAX_CLOCK_DRIFT_MS, type Hlc } from "./hlc.ts";

/**
 * The largest counter a clock keeps. Remote counters above it are not
 * trusted; a local counter that would pass it moves time forward instead.
 * AIO writers pad counters to five digits, so real ones are far below.
 */
export const HLC_COUNTER_MAX = 0xffff_ffff;

/** Options for {@linkcode HlcClock}. */
export interface HlcClockOptions {
  /** Reads the wall clock in milliseconds. @default Date.now */
  now?: () => number;
  /** How far into the future a remote time may be. @default 60000 */
  maxDriftMs?: number;
}

/** A node's hybrid logical clock. */
export class HlcClock {
  #ms: number;
  #counter = 0;
  readonly #node: string;
  readonly #now: () => number;
  readonly #maxDriftMs: number;

  /** Starts the clock at the current wall time with counter 0. */
  constructor(node: string, options: HlcClockOptions = {}) {
    this.#node = node;
    this.#now = options.now ?? Date.now;
    this.#maxDriftMs = options.maxDriftMs ?? DEFAULT_MAX_CLOCK_DRIFT_MS;
    this.#ms = Math.floor(this.#now());
  }

  /** The current value, without moving the clock. */
  get current(): Hlc {
    return { ms: this.#ms, counter: this.#counter, node: this.#node };
  }

  /** How far into the future a remote time may be. */
  get maxDriftMs(): number {
    return this.#maxDriftMs;
  }

  /** Advances for a local event and returns the new value. */
  updateNow(): Hlc {
    const now = Math.floor(this.#now());
    if (now > this.#ms) this.#set(now, 0);
    else this.#set(this.#ms, this.#counter + 1);
    return this.current;
  }

  /**
   * Why `other` must not be merged into this clock, or undefined when it may
   * be: a time that is not a whole, non-negative number of milliseconds, or
   * further ahead of the wall clock than the allowed drift; a counter that
   * is not whole or is above {@linkcode HLC_COUNTER_MAX}; a node that is not
   * text. Merging a fractional time or counter would leave the clock, and
   * every stamp after it, invalid.
   */
  distrust(other: Hlc): string | undefined {
    if (!(Number.isSafeInteger(other.ms) && other.ms >= 0)) {
      return `HLC time "${other.ms}" is not a whole, non-negative number of milliseconds`;
    }
    if (other.counter > HLC_COUNTER_MAX) {
      return `HLC counter "${other.counter}" is above ${HLC_COUNTER_MAX}`;
    }
    if (!(Number.isInteger(other.counter) && other.counter >= 0)) {
      return `HLC counter "${other.counter}" is not a whole, non-negative number`;
    }
    if (typeof other.node !== "string") return `HLC node "${String(other.node)}" is not text`;
    const ahead = other.ms - Math.floor(this.#now());
    if (!(ahead <= this.#maxDriftMs)) {
      return `HLC time "${other.ms}" is ${ahead} ms ahead of the wall clock; at most ${this.#maxDriftMs} ms is allowed`;
    }
    return undefined;
  }

  /**
   * Merges a value seen from another node and returns the new value. Values
   * {@linkcode distrust} refuses leave the clock as it was (their time is not
   * taken); it never throws.
   */
  update(other: Hlc): Hlc {
    if (other.node === this.#node || this.distrust(other) !== undefined) return this.current;
    const now = Math.floor(this.#now());
    if (now > this.#ms && now > other.ms) this.#set(now, 0);
    else if (other.ms === this.#ms) this.#set(this.#ms, Math.max(this.#counter, other.counter) + 1);
    else if (this.#ms > other.ms) this.#set(this.#ms, this.#counter + 1);
    else this.#set(other.ms, other.counter + 1);
    return this.current;
  }

  /** Sets the clock; a counter past the maximum moves time on by a millisecond instead. */
  #set(ms: number, counter: number): void {
    if (counter > HLC_COUNTER_MAX) {
      this.#ms = ms + 1;
      this.#counter = 0;
    } else {
      this.#ms = ms;
      this.#counter = counter;
    }
  }
}
