/**
 * Slows down token guessing: each source may fail authentication a few times
 * per window; past that its failures are answered 429 with `Retry-After`
 * until its oldest counted failure leaves the window. Only failures count,
 * and a correct token is never refused here: whoever shares a source (every
 * client behind a reverse proxy shares its address) can make the wrong
 * tokens of that source slower, never lock the right one out.
 *
 * @module
 */

/** Options for {@linkcode FailureLimiter}. */
export interface FailureLimiterOptions {
  /** Failures answered 401 per window; later ones get 429. @default 5 */
  readonly maxFailures?: number;
  /** The window, in milliseconds. @default 60000 */
  readonly windowMs?: number;
  /** Sources tracked at most; the stalest are forgotten first. @default 10000 */
  readonly maxClients?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/** Authentication failures per source, in a sliding window. */
export class FailureLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  /** The latest failure times per source, oldest first; Map order = least recently failed first. */
  readonly #failures = new Map<string, number[]>();

  /** A limiter with the given bounds. */
  constructor(options: FailureLimiterOptions = {}) {
    this.#max = options.maxFailures ?? 5;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  #recent(client: string): number[] {
    const since = this.#now() - this.#windowMs;
    const times = (this.#failures.get(client) ?? []).filter((t) => t > since);
    if (times.length === 0) this.#failures.delete(client);
    else this.#failures.set(client, times);
    return times;
  }

  #wait(times: readonly number[]): number {
    if (times.length < this.#max) return 0;
    const oldest = times[times.length - this.#max]!;
    return Math.max(1, Math.ceil((oldest + this.#windowMs - this.#now()) / 1000));
  }

  /** Seconds before a failure of this source would be answered 401 again; 0 when it would now. */
  retryAfterSeconds(client: string): number {
    return this.#wait(this.#recent(client));
  }

  /**
   * Counts a failed attempt and tells how to answer it, in one synchronous
   * step, so concurrent failures cannot all pass one check before any is
   * counted.
   *
   * @returns 0 when the failure is within the budget (answer 401), else the
   *   seconds to put in `Retry-After` (answer 429).
   */
  fail(client: string): number {
    const before = this.#recent(client);
    // Failures past the budget count too, so a source that keeps guessing stays slowed.
    const times = [...before, this.#now()].slice(-this.#max);
    this.#failures.delete(client);
    this.#failures.set(client, times);
    if (this.#failures.size > this.#maxClients) {
      const stalest = this.#failures.keys().next().value;
      if (stalest !== undefined) this.#failures.delete(stalest);
    }
    return before.length < this.#max ? 0 : this.#wait(times);
  }
}
