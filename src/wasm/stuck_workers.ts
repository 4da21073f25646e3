/**
 * Workers stopped on their deadline that may still be running. Deno's
 * `Worker.terminate()` cannot stop a thread that never returns to its event
 * loop (a module in an endless loop): the thread keeps a core busy until the
 * process ends (denoland/deno#35657, measured with Deno 2.9.6). A stopped
 * worker that finishes its batch later says so in its progress slots; one
 * that has not within `stuckAfterMs` is counted in `weir_stuck_workers` and
 * logged once, so the operator knows the gateway needs a restart to get the
 * core back (systemd restarts it; the queue keeps what it held).
 *
 * @module
 */
import type { Labels, Logger, Metrics } from "../telemetry/mod.ts";
import { REPLIED } from "./progress_slots.ts";

/** The gauge of workers that did not stop. */
export const STUCK_WORKERS_METRIC = "weir_stuck_workers";

interface Stopped {
  readonly slots: Int32Array;
  readonly since: number;
  counted: boolean;
}

/** Watches one operation's stopped workers. */
export class StuckWorkers {
  readonly #stopped = new Set<Stopped>();
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #labels: Labels;
  readonly #stuckAfterMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stuck = 0;

  constructor(log: Logger, metrics: Metrics, labels: Labels, stuckAfterMs = 5000) {
    this.#log = log;
    this.#metrics = metrics;
    this.#labels = labels;
    this.#stuckAfterMs = stuckAfterMs;
  }

  /** Workers counted as stuck now. */
  get stuck(): number {
    return this.#stuck;
  }

  /** Watches a worker just stopped on its deadline, by its progress slots. */
  add(progress: SharedArrayBuffer): void {
    this.#stopped.add({
      slots: new Int32Array(progress),
      since: performance.now(),
      counted: false,
    });
    if (this.#timer === undefined) {
      const timer = setInterval(() => this.#check(), Math.min(1000, this.#stuckAfterMs));
      // The watch alone must not keep a process alive.
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** Stops watching (the operator closed). */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopped.clear();
  }

  #check(): void {
    const now = performance.now();
    for (const w of this.#stopped) {
      if (Atomics.load(w.slots, REPLIED) === 1) {
        // It finished its batch, and a terminated worker ends there.
        this.#stopped.delete(w);
        if (w.counted) this.#set(this.#stuck - 1);
      } else if (!w.counted && now - w.since >= this.#stuckAfterMs) {
        w.counted = true;
        this.#set(this.#stuck + 1);
        this.#log.log("error", "module worker did not stop after its deadline", {
          ...this.#labels,
          stuck: this.#stuck,
          why: "Deno cannot stop a thread that never returns (denoland/deno#35657); " +
            "it keeps a core busy until the gateway restarts",
        });
      }
    }
    if (this.#stopped.size === 0) this.close();
  }

  #set(n: number): void {
    this.#stuck = n;
    this.#metrics.set(STUCK_WORKERS_METRIC, n, this.#labels);
  }
}
