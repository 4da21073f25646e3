/**
 * Slows down token guessing: each client address may fail authentication a
 * few times per window; after that every request from it is refused until
 * its oldest failure leaves the window.
 *
 * @module
 */

/** Options for {@linkcode FailureLimiter}. */
export interface FailureLimiterOptions {
  /** Failures allowed per window. @default 5 */
  readonly maxFailures?: number;
  /** The window, in milliseconds. @default 60000 */
  readonly windowMs?: number;
  /** Addresses tracked at most; the stalest are forgotten first. @default 10000 */
  readonly maxClients?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/** Authentication failures per client address, in a sliding window. */
export class FailureLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  /** Failure times per address, oldest first; Map order = least recently failed first. */
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

  /** Seconds the client must wait before trying again; 0 when it may try now. */
  retryAfterSeconds(client: string): number {
    const times = this.#recent(client);
    if (times.length < this.#max) return 0;
    const oldest = times[times.length - this.#max]!;
    return Math.max(1, Math.ceil((oldest + this.#windowMs - this.#now()) / 1000));
  }

  /** Counts a failed attempt. */
  fail(client: string): void {
    const times = this.#recent(client);
    this.#failures.delete(client);
    this.#failures.set(client, [...times, this.#now()].slice(-this.#max));
    if (this.#failures.size > this.#maxClients) {
      const stalest = this.#failures.keys().next().value;
      if (stalest !== undefined) this.#failures.delete(stalest);
    }
  }

  /** Forgets a client's failures after it authenticated. */
  succeed(client: string): void {
    this.#failures.delete(client);
  }
}
