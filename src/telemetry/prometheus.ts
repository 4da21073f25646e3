/**
 * Renders metrics in the Prometheus text exposition format (version 0.0.4),
 * for the gateway's `/metrics` endpoint.
 *
 * @module
 */
import type { Labels, Metrics } from "./metrics.ts";

function metricName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[a-zA-Z_:]/.test(clean) ? clean : `_${clean}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra: Record<string, string> = {}): string {
  const all = { ...labels, ...extra };
  const keys = Object.keys(all).sort();
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${metricName(k)}="${escapeLabel(all[k]!)}"`).join(",")}}`;
}

function num(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

/** The exposition text for every series in `metrics`. */
export function renderPrometheus(metrics: Metrics): string {
  const lines: string[] = [];
  const typed = new Set<string>();
  // A series' exposition name; the first series of a name brings its TYPE line.
  const named = (raw: string, type: "counter" | "gauge" | "histogram") => {
    const name = metricName(raw);
    if (!typed.has(name)) {
      lines.push(`# TYPE ${name} ${type}`);
      typed.add(name);
    }
    return name;
  };
  for (const c of metrics.counters()) {
    lines.push(`${named(c.name, "counter")}${labelText(c.labels)} ${num(c.value)}`);
  }
  for (const g of metrics.gauges()) {
    lines.push(`${named(g.name, "gauge")}${labelText(g.labels)} ${num(g.value)}`);
  }
  for (const h of metrics.histograms()) {
    const name = named(h.name, "histogram");
    let cumulative = 0;
    h.bounds.forEach((bound, i) => {
      cumulative += h.buckets[i]!;
      lines.push(`${name}_bucket${labelText(h.labels, { le: num(bound) })} ${cumulative}`);
    });
    cumulative += h.buckets[h.bounds.length]!;
    lines.push(`${name}_bucket${labelText(h.labels, { le: "+Inf" })} ${cumulative}`);
    lines.push(`${name}_sum${labelText(h.labels)} ${num(h.sum)}`);
    lines.push(`${name}_count${labelText(h.labels)} ${h.count}`);
  }
  return lines.join("\n") + "\n";
}
