/**
 * The mutable clock a node keeps: `updateNow` before it stamps a local event,
 * `update` when it learns of a remote one. Follows the AIO SDK's rules: the
 * wall clock wins when it is ahead and resets the counter; otherwise the
 * counter moves past both sides. Times more than the allowed drift in the
 * future are refused.
 *
 * @module
 */
import { DEFAULT_MAX_CLOCK_DRIFT_MS, type Hlc } from "./hlc.ts";

/** Options for {@linkcode HlcClock}. */
export interface HlcClockOptions {
  /** Reads the wall clock in milliseconds. @default Date.now */
  now?: () => number;
  /** How far into the future a time may be. @default 60000 */
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

  /** Advances for a local event and returns the new value. */
  updateNow(): Hlc {
    const now = Math.floor(this.#now());
    if (now > this.#ms) {
      this.#ms = now;
      this.#counter = 0;
    } else {
      this.#validate(this.#ms, this.#counter, now);
      this.#counter += 1;
    }
    return this.current;
  }

  /** Merges a value seen from another node and returns the new value. */
  update(other: Hlc): Hlc {
    if (other.node === this.#node) return this.current;
    const now = Math.floor(this.#now());
    if (now > this.#ms && now > other.ms) {
      this.#ms = now;
      this.#counter = 0;
    } else if (other.ms === this.#ms) {
      const top = Math.max(this.#counter, other.counter);
      this.#validate(this.#ms, top, now);
      this.#counter = top + 1;
    } else if (this.#ms > other.ms) {
      this.#validate(this.#ms, this.#counter, now);
      this.#counter += 1;
    } else {
      this.#validate(other.ms, other.counter, now);
      this.#ms = other.ms;
      this.#counter = other.counter + 1;
    }
    return this.current;
  }

  #validate(ms: number, counter: number, now: number): void {
    if (counter >= Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`HLC counter overflow at "${ms}:${counter}"`);
    }
    if (ms - now > this.#maxDriftMs) {
      throw new RangeError(
        `HLC time "${ms}" is ${
          ms - now
        } ms ahead of the wall clock; at most ${this.#maxDriftMs} ms is allowed`,
      );
    }
  }
}
