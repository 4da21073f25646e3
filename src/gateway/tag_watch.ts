/**
 * Re-checks something on an interval without ever overlapping itself: the
 * next check is scheduled only once the previous one finished, however long
 * it took (a slow registry, a deploy in progress).
 *
 * @module
 */

/** A repeating check, one at a time. */
export class TagWatch {
  readonly #intervalMs: number;
  readonly #check: () => Promise<void>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** Runs `check` `intervalMs` after start, and again that long after each run ends. */
  constructor(intervalMs: number, check: () => Promise<void>) {
    this.#intervalMs = intervalMs;
    this.#check = check;
    this.#schedule();
  }

  /** No further checks (one under way finishes). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(async () => {
      try {
        await this.#check();
      } finally {
        this.#schedule();
      }
    }, this.#intervalMs);
  }
}
