/**
 * Counters and histograms with labels, kept in memory; exporters (Prometheus
 * text, OpenTelemetry) read them. Module metrics land here too.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";

/** Label key/values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** One counter series. */
export interface CounterSeries {
  readonly name: string;
  readonly labels: Labels;
  value: number;
}

/** One histogram series: count, sum, extremes and cumulative-ready bucket counts. */
export interface HistogramSeries {
  readonly name: string;
  readonly labels: Labels;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Upper bounds of the buckets (the last one, +Inf, is implicit). */
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); one more entry than `bounds` for +Inf. */
  readonly buckets: number[];
}

/** Default bucket bounds: milliseconds from 0.1 ms to 10 s, a good fit for latencies. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10000,
];

// Hot paths reuse one labels object per series; remembering its key spares a sort and a join
// per update. Labels objects are treated as immutable once passed in.
const keysByLabels = new WeakMap<Labels, Map<string, string>>();

function seriesKey(name: string, labels: Labels): string {
  let byName = keysByLabels.get(labels);
  const known = byName?.get(name);
  if (known !== undefined) return known;
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = `${name}{`;
  for (let i = 0; i < names.length; i++) {
    key += `${i === 0 ? "" : ","}${names[i]}=${labels[names[i]!]}`;
  }
  key += "}";
  if (!byName) keysByLabels.set(labels, byName = new Map());
  byName.set(name, key);
  return key;
}

/** Thrown when a name is reused with another instrument type. */
export class MetricTypeError extends WeirError {
  /** Names the metric and the instrument it already is. */
  constructor(name: string, kind: string) {
    super("metric_kind", `Metric "${name}" is already a ${kind}`);
    this.name = "MetricTypeError";
  }
}

/** A gauge series: a value that goes up and down (e.g. a consumer's lag). */
export interface GaugeSeries {
  readonly name: string;
  readonly labels: Labels;
  value: number;
}

/**
 * A series read when metrics are collected rather than updated as events
 * happen: counts the engine or the queue already keep.
 */
export interface CollectedSeries {
  readonly name: string;
  readonly kind: "counter" | "gauge";
  readonly labels: Labels;
  readonly value: number;
}

/** Reports collected series; called at every scrape or export. */
export type Collector = () => Iterable<CollectedSeries>;

/** Told about every update, e.g. to mirror metrics into OpenTelemetry. */
export interface MetricsListener {
  add(name: string, value: number, labels: Labels): void;
  observe(name: string, value: number, labels: Labels): void;
  set?(name: string, value: number, labels: Labels): void;
}

/** A registry of metric series. */
export class Metrics {
  #listener: MetricsListener | undefined;

  /** Sends every later update to `listener` as well. */
  listen(listener: MetricsListener): void {
    this.#listener = listener;
  }

  readonly #collectors: Collector[] = [];
  readonly #counters = new Map<string, CounterSeries>();
  readonly #histograms = new Map<string, HistogramSeries>();
  readonly #gauges = new Map<string, GaugeSeries>();
  readonly #kinds = new Map<string, "counter" | "histogram" | "gauge">();

  #claim(name: string, kind: "counter" | "histogram" | "gauge"): void {
    const known = this.#kinds.get(name);
    if (known && known !== kind) throw new MetricTypeError(name, known);
    this.#kinds.set(name, kind);
  }

  /** Adds `value` (≥ 0) to a counter. */
  add(name: string, value: number, labels: Labels = {}): void {
    if (!(value >= 0)) throw new RangeError(`Counter "${name}" cannot add "${value}"`);
    this.#claim(name, "counter");
    this.#listener?.add(name, value, labels);
    const key = seriesKey(name, labels);
    const s = this.#counters.get(key);
    if (s) s.value += value;
    else this.#counters.set(key, { name, labels: { ...labels }, value });
  }

  /** Records one observation in a histogram. */
  observe(name: string, value: number, labels: Labels = {}): void {
    this.#claim(name, "histogram");
    this.#listener?.observe(name, value, labels);
    const key = seriesKey(name, labels);
    let s = this.#histograms.get(key);
    if (!s) {
      s = {
        name,
        labels: { ...labels },
        count: 0,
        sum: 0,
        min: value,
        max: value,
        bounds: DEFAULT_BUCKETS,
        buckets: new Array(DEFAULT_BUCKETS.length + 1).fill(0),
      };
      this.#histograms.set(key, s);
    }
    s.count++;
    s.sum += value;
    s.min = Math.min(s.min, value);
    s.max = Math.max(s.max, value);
    let i = 0;
    while (i < s.bounds.length && value > s.bounds[i]!) i++;
    s.buckets[i]!++;
  }

  /** Sets a gauge to `value`. */
  set(name: string, value: number, labels: Labels = {}): void {
    this.#claim(name, "gauge");
    this.#listener?.set?.(name, value, labels);
    const key = seriesKey(name, labels);
    const s = this.#gauges.get(key);
    if (s) s.value = value;
    else this.#gauges.set(key, { name, labels: { ...labels }, value });
  }

  /** Forgets a gauge series (its subject is gone, e.g. a partition moved to another consumer). */
  unset(name: string, labels: Labels = {}): void {
    this.#gauges.delete(seriesKey(name, labels));
  }

  /** Adds a collector: its series join the counters and gauges at every read. */
  collect(collector: Collector): void {
    this.#collectors.push(collector);
  }

  /** The collectors' series now. */
  collected(): CollectedSeries[] {
    const out: CollectedSeries[] = [];
    for (const c of this.#collectors) for (const s of c()) out.push(s);
    return out;
  }

  /** Every gauge series, collected ones included. */
  gauges(): GaugeSeries[] {
    const collected = this.collected().filter((s) => s.kind === "gauge");
    return [
      ...[...this.#gauges.values()].map((s) => ({ ...s })),
      ...collected.map(({ name, labels, value }) => ({ name, labels, value })),
    ];
  }

  /** Every counter series, collected ones included. */
  counters(): CounterSeries[] {
    const collected = this.collected().filter((s) => s.kind === "counter");
    return [
      ...[...this.#counters.values()].map((s) => ({ ...s })),
      ...collected.map(({ name, labels, value }) => ({ name, labels, value })),
    ];
  }

  /** Every histogram series. */
  histograms(): HistogramSeries[] {
    return [...this.#histograms.values()].map((s) => ({ ...s, buckets: [...s.buckets] }));
  }
}
