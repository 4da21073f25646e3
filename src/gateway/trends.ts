/**
 * The last hour at a glance: every interval (10 s by default) the gateway
 * reads its counters once and keeps, in memory and at a fixed size, the
 * records per second of each operation, the end-to-end latency p50 and p99
 * of what was delivered in that interval, the queue depth and the dead
 * letters kept. Nothing is stored on disk; a restart starts a new hour.
 *
 * @module
 */

/** Time series laid out for a chart: one time axis, values aligned with it. */
export interface TrendSeries {
  /** Milliseconds between points. */
  readonly intervalMs: number;
  /** How many points are kept at most. */
  readonly capacity: number;
  /** Unix time in seconds (with milliseconds) of each point, oldest first. */
  readonly times: readonly number[];
  /**
   * Values by series, aligned with `times`; null where nothing was measured.
   * Names: `rate/<dataflow>/<operation>` (records in per second),
   * `latency/p50` and `latency/p99` (ms), `queue/depth`, `queue/deadLetters`.
   */
  readonly series: Readonly<Record<string, readonly (number | null)[]>>;
}

/** The gateway's counters at one moment. */
export interface TrendReading {
  /** Records in per `<dataflow>/<operation>`, counted since its version started. */
  readonly recordsIn: ReadonlyMap<string, number>;
  /** The end-to-end latency histogram, all dataflows together (buckets not cumulative). */
  readonly latency?: { readonly bounds: readonly number[]; readonly buckets: readonly number[] };
  /** Outputs waiting in the queue. */
  readonly queueDepth: number;
  /** Dead letters kept. */
  readonly deadLetters: number;
}

/** Options for {@linkcode TrendRecorder}. */
export interface TrendRecorderOptions {
  /** @default 10000 */
  readonly intervalMs?: number;
  /** Points kept. @default 360 (an hour at 10 s) */
  readonly capacity?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The value below which `q` of the observations fall, from bucket counts,
 * interpolated within its bucket; null without observations.
 */
export function bucketQuantile(
  bounds: readonly number[],
  buckets: readonly number[],
  q: number,
): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i]!;
    if (n > 0 && seen + n >= target) {
      // Past the last bound there is no upper edge: the last bound is the honest answer.
      if (i >= bounds.length) return bounds.at(-1) ?? null;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return lower + (bounds[i]! - lower) * ((target - seen) / n);
    }
    seen += n;
  }
  return bounds.at(-1) ?? null;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Samples a reading on an interval and keeps the last `capacity` points. */
export class TrendRecorder implements Disposable {
  readonly #read: () => TrendReading;
  readonly #intervalMs: number;
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #times: number[] = [];
  readonly #series = new Map<string, Array<number | null>>();
  #last: { at: number; reading: TrendReading } | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** A recorder of what `read` returns. */
  constructor(read: () => TrendReading, options: TrendRecorderOptions = {}) {
    this.#read = read;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#capacity = options.capacity ?? 360;
    this.#now = options.now ?? Date.now;
  }

  /** Takes a point now and then every interval. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.#intervalMs);
    Deno.unrefTimer(this.#timer);
  }

  /** Takes one point now. */
  sample(): void {
    const at = this.#now();
    const reading = this.#read();
    const last = this.#last;
    const seconds = last === undefined ? 0 : (at - last.at) / 1000;
    const point = new Map<string, number | null>();
    for (const [key, count] of reading.recordsIn) {
      const before = last?.reading.recordsIn.get(key);
      // A counter that went down belongs to a new version, which started from zero.
      const delta = before === undefined ? undefined : count >= before ? count - before : count;
      point.set(`rate/${key}`, delta === undefined || seconds <= 0 ? null : round(delta / seconds));
    }
    const latency = latencyDelta(reading.latency, last?.reading.latency);
    point.set(
      "latency/p50",
      latency && round2(bucketQuantile(latency.bounds, latency.buckets, 0.5)),
    );
    point.set(
      "latency/p99",
      latency && round2(bucketQuantile(latency.bounds, latency.buckets, 0.99)),
    );
    point.set("queue/depth", reading.queueDepth);
    point.set("queue/deadLetters", reading.deadLetters);
    this.#push(Math.round(at) / 1000, point);
    this.#last = { at, reading };
  }

  /** The points kept, oldest first. */
  series(): TrendSeries {
    return {
      intervalMs: this.#intervalMs,
      capacity: this.#capacity,
      times: [...this.#times],
      series: Object.fromEntries([...this.#series].map(([k, v]) => [k, [...v]])),
    };
  }

  /** Stops sampling. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Same as {@linkcode close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #push(time: number, point: ReadonlyMap<string, number | null>): void {
    const length = this.#times.length;
    this.#times.push(time);
    for (const [name, value] of point) {
      if (!this.#series.has(name)) this.#series.set(name, new Array(length).fill(null));
      this.#series.get(name)!.push(value);
    }
    // A series with no value now (an operation gone with its version) goes on as null.
    for (const [name, values] of this.#series) if (!point.has(name)) values.push(null);
    if (this.#times.length > this.#capacity) {
      this.#times.shift();
      for (const [name, values] of this.#series) {
        values.shift();
        if (values.every((v) => v === null)) this.#series.delete(name);
      }
    }
  }
}

function round2(n: number | null): number | null {
  return n === null ? null : Math.round(n * 100) / 100;
}

/** What the histogram gained since the last reading (all of it on the first). */
function latencyDelta(
  now: TrendReading["latency"],
  before: TrendReading["latency"],
): { bounds: readonly number[]; buckets: number[] } | null {
  if (now === undefined) return null;
  const buckets = now.buckets.map((n, i) => Math.max(0, n - (before?.buckets[i] ?? 0)));
  return { bounds: now.bounds, buckets };
}
