/**
 * A real OpenTelemetry Collector (built by `.ci/install-otelcol.sh`) on free
 * 127.0.0.1 ports: OTLP receivers over gRPC and HTTP, and an OTLP/HTTP JSON
 * exporter to a small receiver in the test, so a test sees what the collector
 * decoded from Weir's export, as OTLP JSON. Tests skip with a note when the
 * binary is absent.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./_mosquitto.ts";

/** The collector binary (`WEIR_OTELCOL`, else the install script's cache). */
export const OTELCOL: string = Deno.env.get("WEIR_OTELCOL") ??
  join(Deno.env.get("HOME") ?? "/root", ".cache/weir/otelcol-0.165.0/otelcol");

/** True when collector tests can run. */
export const HAS_OTELCOL: boolean = existsSync(OTELCOL);

/** A suffix for test names: why they are skipped, empty when they run. */
export const OTELCOL_NOTE: string = HAS_OTELCOL
  ? ""
  : " (skipped: no OpenTelemetry Collector; run bash .ci/install-otelcol.sh)";

/** One data point as the collector passed it on. */
export interface SeenPoint {
  readonly name: string;
  readonly unit: string;
  readonly kind: "gauge" | "sum";
  readonly value: number;
  readonly timeUnixNano: string;
  readonly attributes: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
}

/** A running collector. */
export interface Collector {
  /** `http://127.0.0.1:<port>` of the OTLP/HTTP receiver. */
  readonly httpUrl: string;
  /** `grpc://127.0.0.1:<port>` of the OTLP/gRPC receiver. */
  readonly grpcUrl: string;
  /** Every data point the collector exported so far. */
  readonly points: SeenPoint[];
  /** Request headers the collector received are not visible; these are the exporter's. */
  stop(): Promise<void>;
}

interface JsonKv {
  key: string;
  value: Record<string, unknown>;
}

function attrs(list: JsonKv[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    out[kv.key] = v.stringValue ?? v.doubleValue ??
      (v.intValue === undefined ? v.boolValue : Number(v.intValue));
  }
  return out;
}

/** Starts the receiver and the collector; resolves once the collector listens. */
export async function startCollector(): Promise<Collector> {
  if (!HAS_OTELCOL) throw new Error(`no collector${OTELCOL_NOTE}`);
  const points: SeenPoint[] = [];
  const sinkPort = await freePort();
  const server = Deno.serve(
    { port: sinkPort, hostname: "127.0.0.1", onListen: () => {} },
    async (req) => {
      const body = await req.json() as {
        resourceMetrics?: Array<{
          resource?: { attributes?: JsonKv[] };
          scopeMetrics?: Array<{ metrics?: Array<Record<string, unknown>> }>;
        }>;
      };
      for (const rm of body.resourceMetrics ?? []) {
        const resource = attrs(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) {
            const kind = m.sum !== undefined ? "sum" : "gauge";
            const data = (m.sum ?? m.gauge) as { dataPoints?: Array<Record<string, unknown>> };
            for (const dp of data?.dataPoints ?? []) {
              points.push({
                name: String(m.name),
                unit: String(m.unit ?? ""),
                kind,
                value: Number(dp.asDouble ?? dp.asInt),
                timeUnixNano: String(dp.timeUnixNano),
                attributes: attrs(dp.attributes as JsonKv[] | undefined),
                resource,
              });
            }
          }
        }
      }
      return new Response("{}", { headers: { "content-type": "application/json" } });
    },
  );
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const dir = await Deno.makeTempDir({ prefix: "weir-otelcol-" });
  const config = join(dir, "config.yaml");
  await Deno.writeTextFile(
    config,
    `receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:${grpcPort}" }
      http: { endpoint: "127.0.0.1:${httpPort}" }
exporters:
  otlphttp:
    endpoint: "http://127.0.0.1:${sinkPort}"
    encoding: json
    compression: none
    retry_on_failure: { enabled: false }
    sending_queue: { enabled: false }
service:
  telemetry:
    metrics: { level: none }
    logs: { level: warn }
  pipelines:
    metrics: { receivers: [otlp], exporters: [otlphttp] }
`,
  );
  const child = new Deno.Command(OTELCOL, {
    args: ["--config", `file:${config}`],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const dec = new TextDecoder();
  const sink = new WritableStream<Uint8Array>({ write: (c) => void (log += dec.decode(c)) });
  child.stdout.pipeTo(new WritableStream({ write: (c) => void (log += dec.decode(c)) })).catch(
    () => {},
  );
  child.stderr.pipeTo(sink).catch(() => {});
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: httpPort });
      conn.close();
      const g = await Deno.connect({ hostname: "127.0.0.1", port: grpcPort });
      g.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        await child.status;
        throw new Error(`collector did not start: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let stopped = false;
  return {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    grpcUrl: `grpc://127.0.0.1:${grpcPort}`,
    points,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      await server.shutdown();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
