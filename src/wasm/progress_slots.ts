/**
 * The shared memory an isolated module's worker writes while it runs a batch
 * and the host's deadline timer reads: which item it is on, whether it has
 * replied, and how long it has waited on the host (wasi-nn inference). Time
 * blocked in a host call is the host's, bounded by the host's own limits, not
 * the module's: it does not count against the module's deadline.
 *
 * @module
 */

/** Int32 slots: the item the worker is on. */
export const ITEM = 0;
/** 1 once the worker has replied. */
export const REPLIED = 1;
/** Milliseconds this batch has spent blocked in finished host calls. */
export const HOST_WAIT_MS = 2;
/** 1 while the worker is blocked in a host call. */
export const IN_HOST_CALL = 3;

/** The size of the shared buffer. */
export const PROGRESS_BYTES = 4 * Int32Array.BYTES_PER_ELEMENT;

/** Runs blocking host calls for a module and says how long they took. */
export interface HostWait {
  around<T>(call: () => T): T;
}

/** Worker side: times each blocking host call into the shared slots. */
export class HostWaitMeter implements HostWait {
  readonly #slots: Int32Array;
  constructor(slots: Int32Array) {
    this.#slots = slots;
  }
  around<T>(call: () => T): T {
    const started = performance.now();
    Atomics.store(this.#slots, IN_HOST_CALL, 1);
    try {
      return call();
    } finally {
      Atomics.add(this.#slots, HOST_WAIT_MS, Math.round(performance.now() - started));
      Atomics.store(this.#slots, IN_HOST_CALL, 0);
    }
  }
}
