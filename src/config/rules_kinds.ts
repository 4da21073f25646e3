/**
 * The rules that depend on an endpoint's kind: what a Kafka or an
 * OpenTelemetry endpoint must hold beyond its schema, which kinds may read
 * and write (OpenTelemetry only receives), and what a dataflow's topics and
 * key must look like for the kinds it uses.
 *
 * @module
 */
import type { Finding } from "./issue.ts";
import { hostnameOf, isLoopbackHost, quote } from "../base/mod.ts";
import { type Obj, obj, sourceTopicFindings, tlsPairFindings } from "./rules_shared.ts";

/** The kinds of endpoint; a missing kind is MQTT. */
export type EndpointKind = "mqtt" | "kafka" | "otel";

/** The kind of an endpoint value (`mqtt` when it names none). */
export function kindOf(endpoint: Obj | undefined): EndpointKind | undefined {
  if (endpoint === undefined) return undefined;
  const kind = endpoint.kind ?? "mqtt";
  return kind === "mqtt" || kind === "kafka" || kind === "otel" ? kind : undefined;
}

/** Kafka's legal topic names (its `Topic.validate`). */
const KAFKA_TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** What is wrong with a Kafka topic name; undefined when it is legal. */
export function kafkaTopicProblem(topic: string): string | undefined {
  if (topic === "." || topic === ".." || !KAFKA_TOPIC.test(topic)) {
    return 'a Kafka topic name (1 to 249 letters, digits, ".", "_" and "-"; no wildcards)';
  }
  return undefined;
}

/** The record key forms a Kafka destination accepts. */
const KEY_PLACEHOLDER = /^\$\{(?:inputTopic|property:[^{}]+)\}$/;

/** What is wrong with a Kafka key template; undefined when it is fine. */
export function keyProblem(key: string): string | undefined {
  if (!key.includes("${") || KEY_PLACEHOLDER.test(key)) return undefined;
  return "a fixed key, ${inputTopic} or ${property:<name>}";
}

/** Kafka and OpenTelemetry endpoints: TLS pairs and clear-text passwords. */
export function checkKindEndpoint(name: string, endpoint: Obj): Finding[] {
  const path = ["endpoints", name];
  const findings: Finding[] = [];
  const tls = obj(endpoint.tls);
  findings.push(...tlsPairFindings(path, tls));
  if (endpoint.kind === "kafka") {
    const sasl = endpoint.sasl as Obj | undefined;
    const brokers = Array.isArray(endpoint.brokers) ? endpoint.brokers : [];
    const remote = brokers.filter((b): b is string => typeof b === "string")
      .map((b) => b.replace(/:[0-9]+$/, ""))
      .find((host) => !isLoopbackHost(host));
    if (
      sasl?.mechanism === "plain" && tls === undefined && endpoint.insecure !== true &&
      remote !== undefined
    ) {
      findings.push({
        path: [...path, "sasl"],
        rule: "plain-credentials",
        message: `found SASL plain without tls to the broker ${quote(hostnameOf(remote))}, ` +
          "expected tls, a SCRAM mechanism, or insecure: true to send the password unencrypted",
        at: "key",
      });
    }
  }
  if (endpoint.kind === "otel" && tls !== undefined && typeof endpoint.url === "string") {
    if (/^(?:http|grpc):/.test(endpoint.url)) {
      findings.push({
        path: [...path, "tls"],
        rule: "tls-url",
        message: `found tls settings with the url ${
          quote(endpoint.url)
        }, expected an https:// or grpcs:// url`,
        at: "key",
      });
    }
  }
  return findings;
}

/**
 * A dataflow's parts as its endpoints' kinds require: an OpenTelemetry
 * endpoint only receives and takes no topic; Kafka topics are Kafka names;
 * only Kafka destinations have a key; only MQTT sources a shared group.
 */
export function checkDataflowKinds(name: string, flow: Obj, endpoints: Obj): Finding[] {
  const findings: Finding[] = [];
  const path = ["dataflows", name];
  const source = obj(flow.source);
  const destination = obj(flow.destination);
  const sourceName = typeof source?.endpoint === "string" ? source.endpoint : undefined;
  const sourceKind = sourceName === undefined ? undefined : kindOf(obj(endpoints[sourceName]));
  if (sourceKind === "otel") {
    findings.push({
      path: [...path, "source", "endpoint"],
      rule: "otel-source",
      message: `found endpoint ${
        quote(sourceName!)
      } (OpenTelemetry), expected an MQTT or Kafka endpoint: OpenTelemetry endpoints only receive`,
    });
  }
  if (sourceKind === "kafka") {
    const topics = Array.isArray(source?.topics) ? source.topics : [];
    findings.push(
      ...sourceTopicFindings([...path, "source", "topics"], topics, {
        rule: "kafka-topic",
        noun: "topic",
        problemOf: kafkaTopicProblem,
      }),
    );
    if (source?.sharedGroup !== undefined) {
      findings.push({
        path: [...path, "source", "sharedGroup"],
        rule: "kind-field",
        message: "found sharedGroup on a Kafka source, expected the endpoint's consumerGroup " +
          "(gateways in one group split the partitions)",
        at: "key",
      });
    }
  }
  const destName = typeof destination?.endpoint === "string" ? destination.endpoint : undefined;
  const destKind = destName === undefined ? undefined : kindOf(obj(endpoints[destName]));
  if (destination === undefined || destKind === undefined) return findings;
  const topic = destination.topic;
  if (destKind === "otel" && topic !== undefined) {
    findings.push({
      path: [...path, "destination", "topic"],
      rule: "kind-field",
      message: "found a topic for an OpenTelemetry destination, expected none " +
        "(metrics are exported by name)",
      at: "key",
    });
  }
  if (destKind !== "otel" && topic === undefined) {
    findings.push({
      path: [...path, "destination", "topic"],
      rule: "required",
      message: `missing required field "topic"`,
    });
  }
  if (destKind !== "kafka" && destination.key !== undefined) {
    findings.push({
      path: [...path, "destination", "key"],
      rule: "kind-field",
      message: `found a key for ${
        destKind === "otel" ? "an OpenTelemetry" : "an MQTT"
      } destination, expected one only for Kafka`,
      at: "key",
    });
  }
  if (destKind === "kafka") {
    if (typeof topic === "string" && topic !== "") {
      const problem = kafkaTopicProblem(topic);
      if (problem !== undefined) {
        findings.push({
          path: [...path, "destination", "topic"],
          rule: "kafka-topic",
          message: `found topic ${quote(topic)}, expected ${problem}`,
        });
      } else if (
        destName === sourceName && Array.isArray(source?.topics) && source.topics.includes(topic)
      ) {
        findings.push({
          path: [...path, "destination", "topic"],
          rule: "loop",
          message: `found topic ${quote(topic)}, which the source reads back on the same ` +
            "endpoint, expected a topic the source does not read",
        });
      }
    }
    if (typeof destination.key === "string") {
      const problem = keyProblem(destination.key);
      if (problem !== undefined) {
        findings.push({
          path: [...path, "destination", "key"],
          rule: "kafka-key",
          message: `found key ${quote(destination.key)}, expected ${problem}`,
        });
      }
    }
  }
  return findings;
}
