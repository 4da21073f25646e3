/**
 * Validation time: a typical gateway configuration (MQTT, Kafka and
 * OpenTelemetry endpoints, dataflows, registries, queue and state bounds)
 * and the graphs in `graphs/` plus AIO's sample graphs, each checked from
 * text to model (YAML parse, schema, rules). The schemas are compiled once,
 * when the modules load, so an iteration measures what every later file
 * costs.
 *
 * Run: deno bench --allow-read --allow-env tests/bench/validation_bench.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkConfig } from "../../src/gateway/mod.ts";
import { checkGraph } from "../../src/graph/mod.ts";
import { ROOT, SAMPLES_DIR, SAMPLES_PRESENT } from "../_samples.ts";

const CONFIG = `endpoints:
  plant:
    url: mqtt://127.0.0.1:1883
    clientId: edge-plant
    qos: 1
  cloud:
    url: mqtts://broker.example.com:8883
    tls: { ca: ca.pem, cert: client.pem, key: client.key }
    credentials: { username: edge, passwordFile: /run/secrets/cloud }
    keepAliveSeconds: 30
  bus:
    kind: kafka
    brokers: ["kafka-1.example.com:9093", "kafka-2.example.com:9093"]
    tls: {}
    sasl: { mechanism: scram-sha-512, username: edge, passwordEnv: KAFKA_PASSWORD }
    batching: { latencyMs: 10, maxMessages: 500 }
  metrics:
    kind: otel
    url: https://collector.example.com:4318
    headers: { x-tenant: plant-7, authorization: { env: OTEL_TOKEN } }
dataflows:
  ovens:
    source: { endpoint: plant, topics: ["sensors/+/temperature"], sharedGroup: edge }
    graph: { file: graphs/temperature.yaml }
    configuration: { temperature_lower_bound: "-10", unit: celsius }
    timing: { idleMs: 500, latenessMs: 2000 }
    destination: { endpoint: cloud, topic: "plant/\${outputTopic}" }
    deadLetter: { endpoint: plant, topic: "dead/\${outputTopic}" }
  to-kafka:
    source: { endpoint: plant, topics: ["line/#"] }
    graph: { ref: "registry.example.com/graphs/window:1.0.0", watchSeconds: 60 }
    destination: { endpoint: bus, topic: line-events, key: "\${inputTopic}" }
  to-otel:
    source: { endpoint: plant, topics: ["machines/+/state"] }
    graph: { file: graphs/otel-metrics.yaml }
    destination: { endpoint: metrics }
registries:
  plant: { host: registry.example.com, credentials: { username: r, passwordEnv: REG_PW } }
  local: { host: "127.0.0.1:5000", plainHttp: true }
queue: { maxBytes: 256MiB, maxAgeSeconds: 604800, policy: drop-oldest }
state: { maxBytes: 64MiB, maxKeys: 100000 }
logging: { level: info }
`;

function graphTexts(): Array<[string, string]> {
  const files = readdirSync(join(ROOT, "graphs")).filter((f) => f.endsWith(".yaml"))
    .map((f) => join(ROOT, "graphs", f));
  if (SAMPLES_PRESENT) {
    files.push(
      ...readdirSync(SAMPLES_DIR).filter((f) => /^graph.*\.yaml$/.test(f))
        .map((f) => join(SAMPLES_DIR, f)),
    );
  }
  return files.map((f) => [f, readFileSync(f, "utf8")]);
}

const GRAPHS = graphTexts();
if (checkConfig(CONFIG, "bench.yaml", { baseDir: "/srv/weir" }).config === undefined) {
  throw new Error("The bench configuration is invalid");
}
for (const [file, text] of GRAPHS) {
  if (checkGraph(text, file).graph === undefined) throw new Error(`${file} is invalid`);
}

Deno.bench("checkConfig(): a typical gateway configuration", { group: "validation" }, () => {
  checkConfig(CONFIG, "bench.yaml", { baseDir: "/srv/weir" });
});

Deno.bench(`checkGraph(): ${GRAPHS.length} graphs (graphs/ and AIO samples)`, {
  group: "validation",
}, () => {
  for (const [file, text] of GRAPHS) checkGraph(text, file);
});
