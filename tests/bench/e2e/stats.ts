/**
 * Small numeric helpers shared by the load generator and the report.
 *
 * @module
 */

/** Latency percentiles in milliseconds (NaN when there was no sample). */
export interface Latency {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** A growable list of numbers that avoids boxing a million samples. */
export class Samples {
  #values = new Float64Array(1024);
  #length = 0;

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  latency(): Latency {
    const sorted = this.#values.slice(0, this.#length).sort();
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
    return {
      samples: sorted.length,
      p50: at(0.5) ?? NaN,
      p99: at(0.99) ?? NaN,
      max: sorted[sorted.length - 1] ?? NaN,
    };
  }
}

/** Sums every sample of a Prometheus counter in an exposition text. */
export function counterTotal(text: string, name: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1)) || 0;
  }
  return total;
}
