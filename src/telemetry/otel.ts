/**
 * Mirrors Weir's metrics into `@opentelemetry/api`, so Deno's built-in
 * OpenTelemetry export (`OTEL_DENO=true` and the usual `OTEL_EXPORTER_OTLP_*`
 * variables) ships them to any OTLP collector. Without an exporter the API
 * is a no-op, so the bridge is attached only when OTEL_DENO is set.
 *
 * @module
 */
import {
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  metrics as otelMetrics,
} from "@opentelemetry/api";
import type { Labels, Metrics } from "./metrics.ts";

/** The part of an OpenTelemetry meter the bridge uses (a test passes its own). */
export type BridgeMeter = Pick<
  Meter,
  | "createCounter"
  | "createHistogram"
  | "createGauge"
  | "createObservableCounter"
  | "createObservableGauge"
>;

/**
 * Attaches the bridge to `metrics`: updates are mirrored as they happen, and
 * the collected series (engine and queue counts) are observed when
 * OpenTelemetry collects, so the export carries the same series as `/metrics`.
 */
export function bridgeToOpenTelemetry(
  metrics: Metrics,
  meter: BridgeMeter = otelMetrics.getMeter("weir"),
): void {
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  const gauges = new Map<string, Gauge>();
  metrics.listen({
    add(name, value, labels) {
      let c = counters.get(name);
      if (!c) counters.set(name, c = meter.createCounter(name));
      c.add(value, labels);
    },
    observe(name, value, labels) {
      let h = histograms.get(name);
      if (!h) histograms.set(name, h = meter.createHistogram(name));
      h.record(value, labels);
    },
    set(name, value, labels) {
      let g = gauges.get(name);
      if (!g) gauges.set(name, g = meter.createGauge(name));
      g.record(value, labels);
    },
  });
  const names = new Set<string>();
  const register = () => {
    for (const { name, kind } of metrics.collected()) {
      if (names.has(name)) continue;
      names.add(name);
      const observe = (result: { observe(value: number, labels: Labels): void }) => {
        for (const s of metrics.collected()) if (s.name === name) result.observe(s.value, s.labels);
      };
      if (kind === "counter") meter.createObservableCounter(name).addCallback(observe);
      else meter.createObservableGauge(name).addCallback(observe);
    }
  };
  register();
  // Operations appear as dataflows start; pick up new names now and then.
  const timer = setInterval(register, 5000);
  Deno.unrefTimer(timer);
}

/** True when Deno's OpenTelemetry export is switched on. */
export function openTelemetryEnabled(): boolean {
  try {
    return Deno.env.get("OTEL_DENO") === "true";
  } catch {
    return false;
  }
}
