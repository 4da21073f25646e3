/**
 * A cap on open event streams per source, so one client cannot hold an
 * unbounded number of long-lived connections (each one a subscriber the
 * gateway feeds). A slot is taken before the stream starts and given back
 * when it ends, however it ends.
 *
 * @module
 */

/** Open streams per source, up to a limit. */
export class StreamSlots {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  /** At most `max` open streams per source. */
  constructor(max: number) {
    this.#max = max;
  }

  /** The most streams one source may hold. */
  get max(): number {
    return this.#max;
  }

  /** Takes a slot for `client`; returns its release (call once), or undefined when none is free. */
  take(client: string): (() => void) | undefined {
    const open = this.#open.get(client) ?? 0;
    if (open >= this.#max) return undefined;
    this.#open.set(client, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(client) ?? 1) - 1;
      if (left > 0) this.#open.set(client, left);
      else this.#open.delete(client);
    };
  }

  /** How many streams `client` holds. */
  openFor(client: string): number {
    return this.#open.get(client) ?? 0;
  }
}
