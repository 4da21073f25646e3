/**
 * `/metrics` and the OpenTelemetry export carry the same series: the
 * gateway's collected counts (operations, queue, endpoints) and its updated
 * metrics alike, read through a recording meter in place of Deno's exporter.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import { type BridgeMeter, bridgeToOpenTelemetry, type Labels } from "../src/telemetry/mod.ts";
import { testGateway } from "./_gateway.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";
import { until } from "./_wait.ts";

type Observer = (r: { observe(value: number, labels: Labels): void }) => void;

/** A meter that remembers every series it is told about. */
function recordingMeter() {
  const seen = new Set<string>();
  const observers: Array<() => void> = [];
  const note = (name: string, labels?: Labels) => {
    const keys = Object.keys(labels ?? {}).sort().map((k) => `${k}=${labels![k]}`);
    seen.add(`${name}{${keys.join(",")}}`);
  };
  const instrument = (name: string) => ({
    add: (_v: number, labels?: Labels) => note(name, labels),
    record: (_v: number, labels?: Labels) => note(name, labels),
  });
  const observable = (name: string) => ({
    addCallback: (cb: Observer) =>
      observers.push(() => cb({ observe: (_v, labels) => note(name, labels) })),
  });
  const meter = {
    createCounter: instrument,
    createHistogram: instrument,
    createGauge: instrument,
    createObservableCounter: observable,
    createObservableGauge: observable,
  } as unknown as BridgeMeter;
  return { meter, collect: () => observers.forEach((o) => o()), seen };
}

/** The series of a Prometheus text, histograms by their base name. */
function prometheusSeries(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*?)(_bucket|_sum|_count)?(\{([^}]*)\})? /.exec(line);
    if (!m) continue;
    const isHistogramPart = m[2] !== undefined && text.includes(`# TYPE ${m[1]} histogram`);
    const name = isHistogramPart ? m[1]! : m[1]! + (m[2] ?? "");
    const labels = [...(m[4] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)]
      .filter(([, k]) => k !== "le")
      .map(([, k, v]) => `${k}=${v}`)
      .sort();
    out.add(`${name}{${labels.join(",")}}`);
  }
  return out;
}

Deno.test({
  name: "/metrics and the OpenTelemetry export carry the same series" + MOSQUITTO_NOTE +
    modulesNote("temperature"),
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using t = await testGateway({
      dataflows: {
        flow: {
          source: { endpoint: "local", topics: ["in/#"] },
          graph: { file: join(ROOT, "graphs/temperature.yaml") },
          destination: { endpoint: "local", topic: "out/t" },
        },
      },
    });
    const otel = recordingMeter();
    bridgeToOpenTelemetry(t.gateway.metrics, otel.meter);
    const sub = await mqtt.connectAsync(t.url, { protocolVersion: 5 });
    let got = 0;
    sub.on("message", () => got++);
    await sub.subscribeAsync("out/#", { qos: 1 });
    const pub = await mqtt.connectAsync(t.url, { protocolVersion: 5 });
    await pub.publishAsync("in/a", '{"temperature":{"value":212,"unit":"F"}}', { qos: 1 });
    await pub.publishAsync("in/a", "not json", { qos: 1 });
    await until(() => got === 1, 10_000);
    await until(() => t.gateway.scrape().includes("weir_dead_letters_total"), 5_000);
    otel.collect();
    const scraped = prometheusSeries(t.gateway.scrape());
    assert.ok(scraped.has("weir_operation_dropped_total{dataflow=flow,operation=source}"));
    assert.ok(scraped.has("weir_queue_depth{}"));
    assert.deepEqual([...otel.seen].sort(), [...scraped].sort());
    await pub.endAsync();
    await sub.endAsync();
  },
});
