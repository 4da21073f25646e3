/**
 * A gateway in this process for the operator's-day tests: mosquitto, a
 * dataflow `ovens` from `sensors/#` to `processed/temperature` whose first
 * graph uses the wrong module (`enrichment`, which refuses temperature
 * readings, so every reading becomes a dead letter), the admin API, and
 * `/metrics`. The fix is `graphs/temperature.yaml` (`FIXED_GRAPH`).
 *
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import mqtt from "mqtt";
import { type AdminServer, startAdmin } from "../src/admin/mod.ts";
import { type Gateway, parseConfig, startGateway } from "../src/gateway/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { MODULES_DIR } from "./_modules.ts";
import { startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

/** The graph that converts readings: what the broken one should have been. */
export const FIXED_GRAPH: string = join(ROOT, "graphs/temperature.yaml");

/** A graph that runs the wrong module on readings. */
export const BROKEN_GRAPH_YAML = `metadata:
  $schema: "https://www.schemastore.org/aio-wasm-graph-config-1.0.0.json"
  name: "Wrong module"
  version: "1.0.0"
moduleRequirements: { apiVersion: "1.1.0", runtimeVersion: "1.1.0" }
operations:
  - { operationType: "source", name: "source" }
  - { operationType: "map", name: "enrich", module: "enrichment:1.0.0" }
  - { operationType: "sink", name: "sink" }
connections:
  - { from: { name: "source" }, to: { name: "enrich" } }
  - { from: { name: "enrich" }, to: { name: "sink" } }
`;

/** What a test gets. */
export interface OperatorGateway {
  readonly brokerUrl: string;
  readonly gateway: Gateway;
  readonly admin: AdminServer;
  readonly dataDir: string;
  /** Messages that reached `processed/#`: payload text and user properties. */
  readonly outputs: Array<{ payload: string; properties: Record<string, string | string[]> }>;
  /** Publishes a reading (QoS 1) with a `__ts` and a `site` property. */
  publish(payload: string, ts: string): Promise<void>;
  /** The graph file `ovens` started on. */
  readonly brokenGraph: string;
}

/** Options for {@linkcode withOperatorGateway}. */
export interface OperatorGatewayOptions {
  /** @default 500 */
  readonly trendIntervalMs?: number;
  /** The dataflow's `deadLetter:` setting (dead letters also published). */
  readonly deadLetter?: { readonly endpoint: string; readonly topic: string };
}

/** Runs `body` with everything started; stops it all afterwards. */
export async function withOperatorGateway(
  body: (ctx: OperatorGateway) => Promise<void>,
  options: OperatorGatewayOptions = {},
): Promise<void> {
  const broker = await startMosquitto();
  const dataDir = await Deno.makeTempDir({ prefix: "weir-operator-" });
  const brokenGraph = join(dataDir, "broken.yaml");
  await writeFile(brokenGraph, BROKEN_GRAPH_YAML);
  const config = parseConfig(
    JSON.stringify({
      endpoints: { local: { url: broker.url, clientId: "weir-operator" } },
      dataflows: {
        ovens: {
          source: { endpoint: "local", topics: ["sensors/#"] },
          graph: { file: brokenGraph },
          destination: { endpoint: "local", topic: "processed/temperature" },
          ...(options.deadLetter === undefined ? {} : { deadLetter: options.deadLetter }),
        },
      },
      dataDir,
    }),
    "operator-gateway",
  );
  const gateway = await startGateway({
    config,
    log: jsonLogger({ level: "error", write: () => {} }),
    modulesDir: MODULES_DIR,
    metricsPort: 0,
    trendIntervalMs: options.trendIntervalMs ?? 500,
  });
  const admin = await startAdmin({ control: gateway.control, dataDir, port: 0 });
  const outputs: OperatorGateway["outputs"] = [];
  const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "operator-sub" });
  sub.on("message", (_t, payload, packet) => {
    outputs.push({
      payload: payload.toString(),
      properties: { ...(packet.properties?.userProperties ?? {}) },
    });
  });
  await sub.subscribeAsync("processed/#", { qos: 1 });
  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "operator-pub" });
  try {
    await body({
      brokerUrl: broker.url,
      gateway,
      admin,
      dataDir,
      outputs,
      brokenGraph,
      publish: async (payload, ts) => {
        await pub.publishAsync("sensors/oven-3", payload, {
          qos: 1,
          properties: {
            contentType: "application/json",
            userProperties: { __ts: ts, site: "plant-7" },
          },
        });
      },
    });
  } finally {
    await pub.endAsync();
    await sub.endAsync();
    await admin.stop();
    await gateway.stop();
    await broker.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** The fixed graph's YAML text (for a deploy by upload). */
export function fixedGraphYaml(): Promise<string> {
  return readFile(FIXED_GRAPH, "utf8");
}
