/**
 * Holds the acknowledgements of source messages until the graph is done with
 * them: a message at time t is acknowledged once every sink's frontier has
 * passed t, which means every output derived from it is stored (or it was
 * filtered, dead-lettered or late). A crash before that leaves the message
 * unacknowledged, so the broker delivers it again: no loss.
 *
 * @module
 */
import { compareHlc, type Hlc, HLC_MIN, minHlc } from "../base/mod.ts";

interface Pending {
  readonly time: Hlc;
  readonly seq: number;
  readonly ack: () => void;
}

/** Acknowledgements waiting for progress. */
export class AckTracker {
  #pending: Pending[] = [];
  #sorted = true;
  #seq = 0;
  readonly #sinks: Map<string, Hlc>;

  /** Tracks progress of the named sinks; a message is done when all have passed it. */
  constructor(sinks: readonly string[]) {
    this.#sinks = new Map(sinks.map((s) => [s, HLC_MIN]));
  }

  /** How many messages wait for their acknowledgement. */
  get size(): number {
    return this.#pending.length;
  }

  /** Registers the acknowledgement of a message admitted at `time`. */
  add(time: Hlc, ack: () => void): void {
    const last = this.#pending.at(-1);
    if (last && compareHlc(time, last.time) < 0) this.#sorted = false;
    this.#pending.push({ time, seq: this.#seq++, ack });
    this.#release();
  }

  /** A sink's frontier moved. */
  progress(sink: string, frontier: Hlc): void {
    this.#sinks.set(sink, frontier);
    this.#release();
  }

  #release(): void {
    let done = this.#sinks.size === 0 ? HLC_MIN : undefined;
    for (const f of this.#sinks.values()) done = done === undefined ? f : minHlc(done, f);
    if (!done || this.#pending.length === 0) return;
    if (!this.#sorted) {
      this.#pending.sort((a, b) => compareHlc(a.time, b.time) || a.seq - b.seq);
      this.#sorted = true;
    }
    let n = 0;
    while (n < this.#pending.length && compareHlc(this.#pending[n]!.time, done) < 0) n++;
    if (n === 0) return;
    const ready = this.#pending.slice(0, n);
    this.#pending = this.#pending.slice(n);
    for (const p of ready) p.ack();
  }
}
