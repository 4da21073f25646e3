/**
 * The OpenTelemetry connector: AIO otel-transform payloads checked and
 * refused with a reason; exports over OTLP/HTTP and OTLP/gRPC decoded by a
 * real OpenTelemetry Collector; the AIO graph-otel case (T12) through the
 * gateway ending in the collector.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import { dataTimestampOf, type Message } from "../src/base/mod.ts";
import { ConnectionPool, ConnectorError, otelConnector } from "../src/connectors/mod.ts";
import type { Rec } from "../src/engine/mod.ts";
import { parseConfig, startGateway } from "../src/gateway/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { StateStore } from "../src/wasm/mod.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { freePort, HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { HAS_OTELCOL, OTELCOL_NOTE, type SeenPoint, startCollector } from "./_otelcol.ts";
import { ROOT, samplePath, SAMPLES_PRESENT, SAMPLES_SKIP_NOTE } from "./_samples.ts";

const logger = jsonLogger({ level: "error", write: () => {} });
const enc = new TextEncoder();
const TIME = { ms: 1_767_225_600_123, counter: 0, node: "n" };

function record(payload: string): Rec {
  const data: Message = {
    kind: "message",
    timestamp: dataTimestampOf(TIME),
    topic: enc.encode("machines/m1"),
    contentType: null,
    payload: enc.encode(payload),
    userProperties: [],
    schema: null,
  };
  return { time: TIME, data };
}

// T12b's output: a nanosecond time beyond 2^53, attributes null.
const T12B =
  '{"metrics":[{"name":"Temperature","value":23.5,"metric_type":"type-placeholder","unit":"C","timestamp":1767225600000000001,"attributes":null}]}';
const T12 =
  '{"metrics":[{"name":"temperature","value":360.0,"metric_type":"type-placeholder","unit":null,"timestamp":1767225600500000000,"attributes":[{"key":"factoryId","value":"factoryA"},{"key":"machineId","value":"machineA"}]}]}';

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("OtelSink.encode() refuses a payload of another shape with the reason", async () => {
  await using pool = new ConnectionPool();
  const sink = otelConnector.createSink!({
    endpointName: "c",
    endpoint: { kind: "otel", url: "http://127.0.0.1:9" },
    topic: "",
  }, { logger, connections: pool });
  const refused = (payload: string, reason: RegExp) =>
    assert.throws(() => sink.encode(record(payload)), (e: unknown) => {
      assert.ok(e instanceof ConnectorError);
      assert.equal(e.code, "connector_rejected");
      assert.match(e.message, reason);
      assert.match(e.message, /expected the otel-transform shape/);
      return true;
    });
  refused('{"temperature":{"value":360}}', /"metrics" is not a non-empty list/);
  refused("not json", /^Payload is not OpenTelemetry metrics: not JSON/);
  refused('{"metrics":[{"value":1}]}', /metrics\[0\]\.name is not a non-empty string/);
  refused('{"metrics":[{"name":"x","value":"1"}]}', /metrics\[0\]\.value is not a number/);
  refused('{"metrics":[{"name":"x","value":1,"attributes":[{"key":"a"}]}]}', /attributes\[0\]/);
  // Accepted: the timestamp's text is kept exactly; a null one takes the record's time.
  const exact = JSON.parse(new TextDecoder().decode(sink.encode(record(T12B)).payload));
  assert.equal(exact.metrics[0].timestamp, "1767225600000000001");
  const filled = JSON.parse(
    new TextDecoder().decode(
      sink.encode(record('{"metrics":[{"name":"x","value":1,"timestamp":null}]}')).payload,
    ),
  );
  assert.equal(filled.metrics[0].timestamp, "1767225600123000000");
  await sink.close();
});

Deno.test("OTLP/HTTP export carries the configured headers, a header from a file, protobuf", async () => {
  const seen: Array<
    { path: string; type: string | null; tenant: string | null; key: string | null; bytes: number }
  > = [];
  const port = await freePort();
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    seen.push({
      path: new URL(req.url).pathname,
      type: req.headers.get("content-type"),
      tenant: req.headers.get("x-tenant"),
      key: req.headers.get("x-api-key"),
      bytes: body.byteLength,
    });
    return new Response(new Uint8Array(), {
      headers: { "content-type": "application/x-protobuf" },
    });
  });
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/key`, "s3cret\n");
  await using pool = new ConnectionPool();
  const sink = otelConnector.createSink!({
    endpointName: "c",
    endpoint: {
      kind: "otel",
      url: `http://127.0.0.1:${port}`,
      headers: { "x-tenant": "plant-7", "x-api-key": { file: `${dir}/key` } },
      batching: { latencyMs: 0 },
    },
    topic: "",
  }, { logger, connections: pool });
  try {
    await sink.send([sink.encode(record(T12))]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.path, "/v1/metrics");
    assert.equal(seen[0]!.type, "application/x-protobuf");
    assert.equal(seen[0]!.tenant, "plant-7");
    assert.equal(seen[0]!.key, "s3cret");
    assert.ok(seen[0]!.bytes > 50);
  } finally {
    await sink.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("OpenTelemetry exporter logs a collector outage once and its end, and keeps the last error", async () => {
  const answers = [503, 502, 200];
  const port = await freePort();
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    await req.arrayBuffer();
    return new Response(new Uint8Array(), {
      status: answers.shift() ?? 200,
      headers: { "content-type": "application/x-protobuf" },
    });
  });
  const lines: Array<{ msg: string; url?: string; error?: string }> = [];
  const log = jsonLogger({ level: "info", write: (line) => lines.push(JSON.parse(line)) });
  const url = `http://127.0.0.1:${port}`;
  await using pool = new ConnectionPool();
  const sink = otelConnector.createSink!({
    endpointName: "c",
    endpoint: { kind: "otel", url, batching: { latencyMs: 0 } },
    topic: "",
  }, { logger: log, connections: pool });
  try {
    const message = sink.encode(record(T12));
    await assert.rejects(sink.send([message]), ConnectorError);
    await assert.rejects(sink.send([message]), ConnectorError);
    const status = pool.statuses()[0]!.status;
    assert.equal(status.up, false);
    assert.match(status.error!, /502/);
    await sink.send([message]);
    assert.equal(pool.statuses()[0]!.status.up, true);
    assert.deepEqual(lines.map((l) => l.msg), [
      "collector unavailable",
      "collector available again",
    ]);
    assert.equal(lines[0]!.url, url);
    assert.match(lines[0]!.error!, /503/);
  } finally {
    await sink.close();
    await server.shutdown();
  }
});

Deno.test({
  name:
    "OpenTelemetry sink exports to a real collector over HTTP and gRPC; retries while it is away" +
    OTELCOL_NOTE,
  ignore: !HAS_OTELCOL,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const collector = await startCollector();
    await using pool = new ConnectionPool();
    try {
      for (const url of [collector.httpUrl, collector.grpcUrl]) {
        const sink = otelConnector.createSink!({
          endpointName: url,
          endpoint: { kind: "otel", url, resource: { "host.name": "gw7" } },
          topic: "",
        }, { logger, connections: pool });
        const before = collector.points.length;
        await sink.send([
          sink.encode(record(T12)),
          sink.encode(record(T12B)),
          sink.encode(
            record('{"metrics":[{"name":"parts","value":5,"metric_type":"counter","unit":"1"}]}'),
          ),
        ]);
        await until(() => collector.points.length >= before + 3);
        const got = collector.points.slice(before);
        const t = got.find((p) => p.name === "temperature")!;
        assert.deepEqual(
          t,
          {
            name: "temperature",
            unit: "",
            kind: "gauge",
            value: 360,
            timeUnixNano: "1767225600500000000",
            attributes: { factoryId: "factoryA", machineId: "machineA" },
            resource: { "service.name": "weir", "host.name": "gw7" },
          } satisfies SeenPoint,
          url,
        );
        const t12b = got.find((p) => p.name === "Temperature")!;
        assert.equal(t12b.timeUnixNano, "1767225600000000001", "nanoseconds kept exactly");
        assert.equal(t12b.unit, "C");
        assert.equal(t12b.value, 23.5);
        const parts = got.find((p) => p.name === "parts")!;
        assert.equal(parts.kind, "sum");
        assert.equal(parts.timeUnixNano, "1767225600123000000", "no timestamp: the record's time");
        await sink.close();
      }
    } finally {
      await collector.stop();
    }
    // The collector is gone: a send fails (the forwarder keeps the message and retries).
    for (const url of [collector.httpUrl, collector.grpcUrl]) {
      const sink = otelConnector.createSink!({
        endpointName: `${url}-down`,
        endpoint: { kind: "otel", url, timeoutMs: 2000 },
        topic: "",
      }, { logger, connections: pool });
      await assert.rejects(sink.send([sink.encode(record(T12))]), (e: unknown) => {
        assert.ok(e instanceof ConnectorError);
        assert.equal(e.code, "connector_refused");
        assert.match(
          e.message,
          /^Exporting metrics to "(http|grpc):\/\/127\.0\.0\.1:[0-9]+" failed: /,
        );
        return true;
      });
      await sink.close();
    }
  },
});

Deno.test({
  name:
    "AIO graph-otel (T12) through the gateway ends in the collector: name, value, unit, time, attributes" +
    OTELCOL_NOTE + MOSQUITTO_NOTE + modulesNote("otel-enrich", "otel-transform") +
    SAMPLES_SKIP_NOTE,
  ignore: !HAS_OTELCOL || !HAS_MOSQUITTO || !SAMPLES_PRESENT ||
    !modulesBuilt("otel-enrich", "otel-transform"),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const collector = await startCollector();
    const broker = await startMosquitto();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-otel-" });
    await Deno.mkdir(join(dataDir, "state"), { recursive: true });
    const seed = new StateStore(join(dataDir, "state", "metrics.db"));
    seed.seed([{ factoryId: "factoryA" }, { machineId: "machineA" }]);
    seed.close();
    const config = parseConfig(
      JSON.stringify({
        endpoints: {
          local: { url: broker.url, clientId: "weir-otel" },
          collector: { kind: "otel", url: collector.grpcUrl },
        },
        dataflows: {
          metrics: {
            source: { endpoint: "local", topics: ["machines/#"] },
            graph: { file: samplePath("graph-otel.yaml") },
            configuration: {
              enrichKeys: "factoryId,machineId",
              metricValuePath: "temperature.value",
              metricName: "temperature",
            },
            destination: { endpoint: "collector" },
          },
          refused: {
            source: { endpoint: "local", topics: ["other/#"] },
            destination: { endpoint: "collector" },
          },
        },
        dataDir,
      }),
      "otel",
    );
    const gateway = await startGateway({
      config,
      log: jsonLogger({ level: "error", write: () => {} }),
      modulesDir: join(ROOT, "modules/dist"),
      metricsPort: null,
    });
    try {
      const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      const sent = Date.now();
      await pub.publishAsync("machines/m1", '{"temperature":{"value":360,"unit":"F"}}', { qos: 1 });
      // Not metrics: refused by the sink's encode, so the gateway dead-letters it.
      await pub.publishAsync("other/x", '{"temperature":1}', { qos: 1 });
      await until(() => collector.points.length >= 1, 30_000);
      const p = collector.points[0]!;
      assert.equal(p.name, "temperature");
      assert.equal(p.value, 360);
      assert.equal(p.unit, "");
      assert.equal(p.kind, "gauge");
      assert.deepEqual(p.attributes, { factoryId: "factoryA", machineId: "machineA" });
      const ms = Number(BigInt(p.timeUnixNano) / 1_000_000n);
      assert.ok(ms >= sent - 1000 && ms <= Date.now(), "otel-transform stamps the time it ran");
      await pub.endAsync();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(collector.points.length, 1, "the other payload never reaches the collector");
    } finally {
      await gateway.stop();
      await broker.stop();
      await collector.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
