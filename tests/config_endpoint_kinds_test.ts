import assert from "node:assert/strict";
import { formatConfigIssue } from "../src/config/mod.ts";
import {
  kafkaEndpointSettings,
  mqttEndpointSettings,
  otelEndpointSettings,
} from "../src/connectors/mod.ts";
import { checkConfig, parseConfig } from "../src/gateway/mod.ts";

// The configuration of the README, as written there.
const KINDS = `
endpoints:
  local: { url: "mqtt://127.0.0.1:1883" }
  bus:
    kind: kafka
    brokers: ["127.0.0.1:9092"]
    clientId: weir-gw7
    consumerGroup: weir
    acks: all
    compression: none
    batching: { latencyMs: 5, maxMessages: 1000, maxBytes: 1048576 }
    tls: { ca: ca.pem, cert: client.pem, key: client.key }
    sasl: { mechanism: scram-sha-512, username: gw7, passwordFile: /etc/weir/kafka.pw }
  collector:
    kind: otel
    url: "http://127.0.0.1:4318"
    headers: { x-tenant: plant-7 }
dataflows:
  to-kafka:
    source: { endpoint: local, topics: ["sensors/#"] }
    graph: { file: graphs/temperature.yaml }
    destination: { endpoint: bus, topic: "telemetry", key: "\${inputTopic}" }
  from-kafka:
    source: { endpoint: bus, topics: ["commands"] }
    destination: { endpoint: local, topic: "commands/in" }
  metrics:
    source: { endpoint: local, topics: ["machines/#"] }
    graph: { file: graphs/otel-metrics.yaml }
    destination: { endpoint: collector }
`;

Deno.test("parseConfig() reads Kafka and OpenTelemetry endpoints with paths resolved", () => {
  const config = parseConfig(KINDS, "kinds.yaml", { baseDir: "/etc/weir" });
  assert.deepEqual(config.endpoints.bus, {
    kind: "kafka",
    brokers: ["127.0.0.1:9092"],
    clientId: "weir-gw7",
    consumerGroup: "weir",
    acks: "all",
    compression: "none",
    batching: { latencyMs: 5, maxMessages: 1000, maxBytes: 1048576 },
    tls: { ca: "/etc/weir/ca.pem", cert: "/etc/weir/client.pem", key: "/etc/weir/client.key" },
    sasl: { mechanism: "scram-sha-512", username: "gw7", passwordFile: "/etc/weir/kafka.pw" },
    insecure: false,
  });
  assert.deepEqual(config.endpoints.collector, {
    kind: "otel",
    url: "http://127.0.0.1:4318",
    headers: { "x-tenant": { value: "plant-7" } },
    batching: { latencyMs: 200, maxMetrics: 1000 },
    timeoutMs: 10000,
    resource: { "service.name": "weir" },
  });
  assert.equal(config.endpoints.local?.kind, "mqtt");
  assert.deepEqual(config.dataflows["to-kafka"]?.destination, {
    endpoint: "bus",
    topic: "telemetry",
    key: "${inputTopic}",
  });
  assert.deepEqual(config.dataflows.metrics?.destination, { endpoint: "collector", topic: "" });
  assert.deepEqual(config.dataflows["from-kafka"]?.source.topics, ["commands"]);
});

Deno.test("parseConfig() applies Kafka defaults: client id, acks all, no compression, batching", () => {
  const config = parseConfig(
    "endpoints:\n  k: { kind: kafka, brokers: [localhost:9092] }\n" +
      "  o: { kind: otel, url: 'grpc://127.0.0.1:4317', headers: { key: { env: OTEL_KEY } } }\n",
    "min.yaml",
  );
  assert.deepEqual(config.endpoints.k, {
    kind: "kafka",
    brokers: ["localhost:9092"],
    clientId: "weir-k",
    acks: "all",
    compression: "none",
    batching: { latencyMs: 5, maxMessages: 1000, maxBytes: 1048576 },
    insecure: false,
  });
  const o = config.endpoints.o;
  assert.equal(o?.kind, "otel");
  assert.deepEqual(o.headers, { key: { env: "OTEL_KEY" } });
});

Deno.test("checkConfig() checks each endpoint against its kind's schema, at line and column", () => {
  const text = `endpoints:
  k:
    kind: kafka
    brokers: [localhost]
    acks: some
    url: mqtt://x
  o:
    kind: otel
    url: tcp://collector:4318
    headers: { x-key: { file: a, env: B } }
  typo:
    kind: kafak
    url: mqtt://127.0.0.1
  p:
    kind: kafka
    brokers: ["broker.example.com:9092"]
    sasl: { mechanism: plain, username: u, passwordEnv: PW }
`;
  const { issues } = checkConfig(text, "kinds.yaml");
  assert.deepEqual(issues.map(formatConfigIssue), [
    'kinds.yaml:4:15: endpoints.k.brokers[0]: found string "localhost", expected a broker address host:port [pattern]',
    'kinds.yaml:5:11: endpoints.k.acks: found string "some", expected one of "all", "leader" or "none" [enum]',
    'kinds.yaml:6:5: endpoints.k.url: found unknown field "url", expected "kind", "brokers", "clientId", "consumerGroup", "acks", "compression", "batching", "tls", "sasl" or "insecure" [unknown-field]',
    'kinds.yaml:9:10: endpoints.o.url: found string "tcp://collector:4318", expected an http(s)://host[:port] or grpc(s)://host[:port] URL [pattern]',
    'kinds.yaml:10:34: endpoints.o.headers.x-key.env: found "file" and "env" together, expected only one of them [one-of]',
    'kinds.yaml:12:11: endpoints.typo.kind: found string "kafak", expected one of "mqtt", "kafka" or "otel" [enum]',
    'kinds.yaml:17:5: endpoints.p.sasl: found SASL plain without tls to the broker "broker.example.com", expected tls, a SCRAM mechanism, or insecure: true to send the password unencrypted [plain-credentials]',
  ]);
});

Deno.test("checkConfig() checks dataflows against their endpoints' kinds", () => {
  const text = `endpoints:
  m: { url: "mqtt://127.0.0.1" }
  k: { kind: kafka, brokers: ["127.0.0.1:9092"] }
  o: { kind: otel, url: "http://127.0.0.1:4318" }
dataflows:
  from-otel:
    source: { endpoint: o, topics: [x] }
    destination: { endpoint: m, topic: out, key: "\${inputTopic}" }
  kafka-in:
    source: { endpoint: k, topics: ["sensors/#"], sharedGroup: g }
    destination: { endpoint: k }
  kafka-out:
    source: { endpoint: m, topics: [a/b] }
    destination: { endpoint: k, topic: "a/b", key: "\${outputTopic}" }
  to-otel:
    source: { endpoint: m, topics: [c] }
    destination: { endpoint: o, topic: metrics, key: k }
  kafka-loop:
    source: { endpoint: k, topics: [t1, t2] }
    destination: { endpoint: k, topic: t2, key: "\${property:device}" }
`;
  const { issues } = checkConfig(text, "flows.yaml");
  assert.deepEqual(issues.map(formatConfigIssue), [
    'flows.yaml:7:25: dataflows.from-otel.source.endpoint: found endpoint "o" (OpenTelemetry), expected an MQTT or Kafka endpoint: OpenTelemetry endpoints only receive [otel-source]',
    "flows.yaml:8:45: dataflows.from-otel.destination.key: found a key for an MQTT destination, expected one only for Kafka [kind-field]",
    'flows.yaml:10:37: dataflows.kafka-in.source.topics[0]: found topic "sensors/#", expected a Kafka topic name (1 to 249 letters, digits, ".", "_" and "-"; no wildcards) [kafka-topic]',
    "flows.yaml:10:51: dataflows.kafka-in.source.sharedGroup: found sharedGroup on a Kafka source, expected the endpoint's consumerGroup (gateways in one group split the partitions) [kind-field]",
    'flows.yaml:11:18: dataflows.kafka-in.destination.topic: missing required field "topic" [required]',
    'flows.yaml:14:40: dataflows.kafka-out.destination.topic: found topic "a/b", expected a Kafka topic name (1 to 249 letters, digits, ".", "_" and "-"; no wildcards) [kafka-topic]',
    'flows.yaml:14:52: dataflows.kafka-out.destination.key: found key "${outputTopic}", expected a fixed key, ${inputTopic} or ${property:<name>} [kafka-key]',
    "flows.yaml:17:33: dataflows.to-otel.destination.topic: found a topic for an OpenTelemetry destination, expected none (metrics are exported by name) [kind-field]",
    "flows.yaml:17:49: dataflows.to-otel.destination.key: found a key for an OpenTelemetry destination, expected one only for Kafka [kind-field]",
    'flows.yaml:20:40: dataflows.kafka-loop.destination.topic: found topic "t2", which the source reads back on the same endpoint, expected a topic the source does not read [loop]',
  ]);
});

Deno.test("each connector takes the endpoint parseConfig() built, as its own schema says", () => {
  // The connectors check what they are given against their endpoint schemas, so the loaded
  // configuration (defaults filled in, paths resolved, header text as {value}) must pass them.
  const { endpoints } = parseConfig(KINDS, "kinds.yaml", { baseDir: "/etc/weir" });
  assert.equal(mqttEndpointSettings("local", endpoints.local!).clientId, "weir-local");
  assert.equal(
    kafkaEndpointSettings("bus", endpoints.bus!).sasl?.passwordFile,
    "/etc/weir/kafka.pw",
  );
  assert.deepEqual(otelEndpointSettings("collector", endpoints.collector!).headers, {
    "x-tenant": { value: "plant-7" },
  });
});
