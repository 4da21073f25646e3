/**
 * The metrics a module writes, kept apart from the gateway's own: every name
 * is prefixed `weir_module_`, the host's labels (graph, operation) win over a
 * module's labels of the same keys (which are renamed `module_<key>`), one
 * operation may hold at most so many series, and a name used as two kinds is
 * refused for the module. Nothing a module writes can reach or break a
 * gateway series, whose names never start with the prefix. What is refused
 * is counted in `weir_dropped_module_updates_total{…host labels, reason}`.
 *
 * @module
 */
import { type Labels, type Metrics, MetricTypeError } from "./metrics.ts";

/** Every module metric name starts with this; no gateway metric does. */
export const MODULE_METRIC_PREFIX = "weir_module_";

/** The gateway counter of refused module updates (outside the module namespace). */
export const DROPPED_MODULE_UPDATES = "weir_dropped_module_updates_total";

/** Why a module update was not recorded. */
export type ModuleMetricRefusal =
  | "series_limit"
  | "kind_conflict"
  | "too_many_labels"
  | "too_long"
  | "bad_value";

/** One label as the WIT `label` record carries it. */
export interface ModuleLabel {
  readonly key: string;
  readonly value: string;
}

/** Bounds on what one operation's module may write. */
export interface ModuleMetricLimits {
  /** Distinct series (name and labels) per operation. @default 1000 */
  readonly maxSeries: number;
  /** Labels per update. @default 16 */
  readonly maxLabels: number;
  /** Characters of a name, a label key or a label value. @default 256 */
  readonly maxLength: number;
}

/** The bounds every operation gets unless told otherwise. */
export const DEFAULT_MODULE_METRIC_LIMITS: ModuleMetricLimits = {
  maxSeries: 1000,
  maxLabels: 16,
  maxLength: 256,
};

/** One update of a module's metric; the answer is why it was refused, if it was. */
export type ModuleMetricUpdate = (
  name: string,
  value: number,
  labels?: readonly ModuleLabel[],
) => ModuleMetricRefusal | undefined;

/** Where a module's updates go: counters (`add`) and histograms (`observe`). */
export interface ModuleMetricsSink {
  readonly add: ModuleMetricUpdate;
  readonly observe: ModuleMetricUpdate;
}

// Label keys the exposition gives a meaning of its own, besides the host's.
const RESERVED_KEYS = new Set(["le", "quantile"]);

/** A Prometheus-safe name: letters, digits and `_`, not starting with a digit. */
function clean(text: string): string {
  const safe = text.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(safe) ? `_${safe}` : safe;
}

/** The registry name of a module's metric `name`. */
export function moduleMetricName(name: string): string {
  return MODULE_METRIC_PREFIX + clean(name);
}

/** One operation's module metrics, over the gateway's registry. */
export class ModuleMetrics implements ModuleMetricsSink {
  readonly #metrics: Metrics;
  readonly #host: Labels;
  readonly #limits: ModuleMetricLimits;
  readonly #series = new Set<string>();
  readonly #dropped = new Map<ModuleMetricRefusal, Labels>();

  /** Writes into `metrics` with the host's `labels` (graph, operation) on every series. */
  constructor(metrics: Metrics, labels: Labels, limits: Partial<ModuleMetricLimits> = {}) {
    this.#metrics = metrics;
    this.#host = { ...labels };
    this.#limits = { ...DEFAULT_MODULE_METRIC_LIMITS, ...limits };
  }

  /** Adds to a counter of the module's; counters take whole, finite, non-negative values. */
  readonly add: ModuleMetricUpdate = (name, value, labels) =>
    value >= 0 && Number.isFinite(value)
      ? this.#record("counter", name, value, labels)
      : this.#drop("bad_value");

  /** Records one observation in a histogram of the module's. */
  readonly observe: ModuleMetricUpdate = (name, value, labels) =>
    Number.isFinite(value)
      ? this.#record("histogram", name, value, labels)
      : this.#drop("bad_value");

  #record(
    kind: "counter" | "histogram",
    name: string,
    value: number,
    list: readonly ModuleLabel[] = [],
  ): ModuleMetricRefusal | undefined {
    const { maxLabels, maxLength, maxSeries } = this.#limits;
    if (list.length > maxLabels) return this.#drop("too_many_labels");
    if (name.length > maxLength) return this.#drop("too_long");
    const labels: Record<string, string> = {};
    for (const { key, value } of list) {
      if (key.length > maxLength || value.length > maxLength) return this.#drop("too_long");
      const safe = clean(key);
      const renamed = safe in this.#host || RESERVED_KEYS.has(safe) || safe.startsWith("__")
        ? `module_${safe}`
        : safe;
      labels[renamed] = value;
    }
    Object.assign(labels, this.#host);
    const full = moduleMetricName(name);
    const key = `${full}\u0000${
      Object.keys(labels).sort().map((k) => `${k}\u0000${labels[k]}`).join("\u0000")
    }`;
    const known = this.#series.has(key);
    if (!known && this.#series.size >= maxSeries) return this.#drop("series_limit");
    try {
      if (kind === "counter") this.#metrics.add(full, value, labels);
      else this.#metrics.observe(full, value, labels);
    } catch (error) {
      if (error instanceof MetricTypeError) return this.#drop("kind_conflict");
      throw error;
    }
    if (!known) this.#series.add(key);
    return undefined;
  }

  #drop(reason: ModuleMetricRefusal): ModuleMetricRefusal {
    let labels = this.#dropped.get(reason);
    if (!labels) this.#dropped.set(reason, labels = { ...this.#host, reason });
    this.#metrics.add(DROPPED_MODULE_UPDATES, 1, labels);
    return reason;
  }
}

// One instance per operation and registry, so a redeploy or a replaced worker keeps counting
// toward the same series limit instead of starting afresh.
const shared = new WeakMap<Metrics, Map<string, ModuleMetrics>>();

/** The module metrics of the operation the host `labels` name, in `metrics`. */
export function moduleMetrics(metrics: Metrics, labels: Labels): ModuleMetrics {
  let byLabels = shared.get(metrics);
  if (!byLabels) shared.set(metrics, byLabels = new Map());
  const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a < b ? -1 : 1));
  let found = byLabels.get(key);
  if (!found) byLabels.set(key, found = new ModuleMetrics(metrics, labels));
  return found;
}
