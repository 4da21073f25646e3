/**
 * Holds the acknowledgements of source messages until the graph is done with
 * them. Each admitted message gets an origin number, which every record
 * derived from it carries through the engine; a message is acknowledged once
 * no record of its origin (or an earlier one) is queued or being processed
 * anywhere in the graph: its outputs are stored, or it was filtered,
 * dead-lettered, or taken into a window. A crash before that leaves it
 * unacknowledged, so the broker delivers it again: no loss.
 *
 * Completion does not depend on event time, so a message that arrives behind
 * the frontier (a lagging device, a message resent after a crash) is tracked
 * exactly like any other.
 *
 * @module
 */
import type { Rec } from "../engine/mod.ts";

interface Pending {
  readonly ack: () => void;
  /** The source record, kept so it can be dead-lettered if the graph fails. */
  readonly record: Rec;
}

/** Acknowledgements waiting for their records to leave the graph. */
export class AckTracker {
  /** Slot i holds origin `#base + i`; undefined until registered. */
  #slots: Array<Pending | undefined> = [];
  #base = 0;
  #next = 0;
  #registered = 0;

  /** Messages registered and not yet acknowledged. */
  get size(): number {
    return this.#registered;
  }

  /** Reserves `n` consecutive origins for a batch about to be admitted; returns the first. */
  reserve(n: number): number {
    const first = this.#next;
    this.#next += n;
    for (let i = 0; i < n; i++) this.#slots.push(undefined);
    return first;
  }

  /** Registers the acknowledgement of the message admitted with `origin`. */
  add(origin: number, record: Rec, ack: () => void): void {
    const i = origin - this.#base;
    if (i < 0 || i >= this.#slots.length || this.#slots[i] !== undefined) {
      throw new RangeError(`Origin "${origin}" was not reserved or is registered already`);
    }
    this.#slots[i] = { ack, record };
    this.#registered++;
  }

  /**
   * Acknowledges, in order, every registered message whose origin is below
   * `origin` (the lowest origin still in flight), stopping at the first one
   * not registered yet. Returns how many were acknowledged.
   */
  releaseBelow(origin: number): number {
    let n = 0;
    while (n < this.#slots.length && this.#base + n < origin && this.#slots[n] !== undefined) n++;
    if (n === 0) return 0;
    const ready = this.#slots.splice(0, n) as Pending[];
    this.#base += n;
    this.#registered -= n;
    for (const p of ready) p.ack();
    return n;
  }

  /**
   * Takes every registered message out without acknowledging it (the graph
   * failed: the caller stores them elsewhere, then acknowledges).
   */
  takeAll(): Array<{ readonly record: Rec; readonly ack: () => void }> {
    const out = this.#slots.filter((p): p is Pending => p !== undefined);
    this.#base += this.#slots.length;
    this.#slots = [];
    this.#registered = 0;
    return out;
  }
}
