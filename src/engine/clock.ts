/**
 * The wall clock the engine reads for its idle frontier, injectable so tests
 * move time by hand instead of sleeping.
 *
 * @module
 */

/** A wall clock with repeating timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  },
};

/** A clock that moves only when told; for tests and offline replays. */
export class ManualClock implements Clock {
  #now: number;
  #timers = new Set<{ ms: number; due: number; fn: () => void }>();

  /** Starts at `start` milliseconds. */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The current time. */
  now(): number {
    return this.#now;
  }

  /** Registers a repeating timer. */
  every(ms: number, fn: () => void): () => void {
    const timer = { ms, due: this.#now + ms, fn };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  /** Moves time forward, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: { ms: number; due: number; fn: () => void } | undefined;
      for (const t of this.#timers) if (t.due <= end && (!next || t.due < next.due)) next = t;
      if (!next) break;
      this.#now = next.due;
      next.due += next.ms;
      next.fn();
    }
    this.#now = end;
  }
}
