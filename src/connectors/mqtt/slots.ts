/**
 * A first-come, first-served counting semaphore: caps the publishes in
 * flight on one connection while keeping their order.
 *
 * @module
 */

/** At most `size` holders at once; waiters are served in call order. */
export class Slots {
  readonly #size: number;
  #used = 0;
  readonly #waiting: Array<() => void> = [];

  /** A semaphore of `size` slots. */
  constructor(size: number) {
    this.#size = size;
  }

  /** Takes a slot, waiting for one if all are used. */
  acquire(): Promise<void> | undefined {
    if (this.#used < this.#size && this.#waiting.length === 0) {
      this.#used++;
      return undefined;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Gives a slot back, to the first waiter if there is one. */
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#used--;
  }

  /** Slots in use. */
  get used(): number {
    return this.#used;
  }
}
