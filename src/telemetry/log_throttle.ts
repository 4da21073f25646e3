/**
 * Keeps a repeated warning from flooding the log: the first line of a kind
 * goes out at once; later ones within the interval are only counted, and
 * when the interval ends one line says how many there were (with the fields
 * of the last one). A bad message a second is then one line per interval,
 * not one per message, and nothing goes unmentioned.
 *
 * @module
 */
import type { LogFields, Logger, LogLevel } from "./logger.ts";

/** Options for {@linkcode LogThrottle}. */
export interface LogThrottleOptions {
  /** How long repeats of a kind are only counted. @default 10000 */
  readonly intervalMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

interface Window {
  /** When the last line (or summary) of this kind was written. */
  readonly since: number;
  /** Repeats held back since then. */
  count: number;
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/** Summarises repeated log lines per kind and interval. */
export class LogThrottle implements Disposable {
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** A throttle writing through `log`. */
  constructor(log: Logger, options: LogThrottleOptions = {}) {
    this.#log = log;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The interval in milliseconds. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /**
   * Logs a line of kind `key` now, or counts it when a line of that kind was
   * written less than an interval ago.
   */
  log(key: string, level: LogLevel, message: string, fields: LogFields = {}): void {
    const now = this.#now();
    const open = this.#windows.get(key);
    if (open !== undefined && now - open.since < this.#intervalMs) {
      open.count++;
      open.level = level;
      open.message = message;
      open.fields = fields;
      this.#schedule(open.since + this.#intervalMs - now);
      return;
    }
    if (open !== undefined) this.#summarise(open);
    this.#log.log(level, message, fields);
    this.#windows.set(key, { since: now, count: 0, level, message, fields });
  }

  /**
   * Writes the summary of every interval that has ended. A kind that kept
   * repeating stays counted for another interval (a steady flood is one
   * summary per interval); a kind that went quiet is forgotten.
   */
  flush(): void {
    const now = this.#now();
    for (const [key, window] of this.#windows) {
      if (now - window.since < this.#intervalMs) continue;
      if (window.count === 0) {
        this.#windows.delete(key);
        continue;
      }
      this.#summarise(window);
      this.#windows.set(key, { ...window, since: now, count: 0 });
    }
    if (this.#windows.size > 0) this.#schedule(this.#intervalMs);
  }

  /** Writes what is still counted and stops the timer. */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const window of this.#windows.values()) this.#summarise(window);
    this.#windows.clear();
  }

  /** Same as {@linkcode close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #summarise(window: Window): void {
    if (window.count === 0) return;
    this.#log.log(window.level, window.message, {
      ...window.fields,
      repeated: window.count,
      overSeconds: Math.round(this.#intervalMs / 1000),
    });
    window.count = 0;
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, Math.max(0, ms));
    // A summary still to come must never keep the process alive.
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }
}
