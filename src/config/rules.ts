/**
 * The configuration rules a JSON Schema cannot express: references to
 * endpoints, MQTT topic syntax, the rules of each endpoint kind (`rules_kinds.ts`), TLS only on `mqtts://`, credentials over
 * plain `mqtt://` only to this machine, graph references only to configured
 * registries, no destination that feeds its own source, and one client id per
 * broker. They read the plain
 * value and skip whatever the structural check already found wrong.
 *
 * @module
 */
import { parseSize } from "./build.ts";
import type { Finding, YamlPath } from "./issue.ts";
import { checkDataflowKinds, checkKindEndpoint, kindOf } from "./rules_kinds.ts";
import { type Obj, obj, sourceTopicFindings, str, tlsPairFindings } from "./rules_shared.ts";
import { destinationProblem, filterProblem, OUTPUT_TOPIC, topicMatches } from "./topics.ts";
import {
  authorityOf,
  hostnameOf,
  isLoopbackHost,
  orList,
  quote,
  registryOfReference,
} from "../base/mod.ts";

/** Checks the rules over the whole configuration value. */
export function checkRules(value: unknown): Finding[] {
  const root = obj(value) ?? {};
  const endpoints = obj(root.endpoints) ?? {};
  const findings: Finding[] = [];
  findings.push(...checkEndpoints(endpoints));
  findings.push(...checkRegistries(obj(root.registries) ?? {}));
  if (root.allowAnyRegistry !== true) {
    findings.push(
      ...checkReferenceRegistries(obj(root.registries) ?? {}, obj(root.dataflows) ?? {}),
    );
  }
  findings.push(...checkSizeText(obj(root.queue)?.maxBytes, ["queue", "maxBytes"]));
  findings.push(...checkSizeText(obj(root.queue)?.deadLetterMaxBytes, [
    "queue",
    "deadLetterMaxBytes",
  ]));
  findings.push(...checkAdmin(obj(root.admin)));
  findings.push(...checkMl(obj(root.ml)));
  findings.push(...checkSizeText(obj(root.state)?.maxBytes, ["state", "maxBytes"]));
  for (const [name, raw] of Object.entries(obj(root.dataflows) ?? {})) {
    const flow = obj(raw);
    if (flow !== undefined) findings.push(...checkDataflow(name, flow, endpoints));
  }
  return findings;
}

/** wasi-nn: a model size limit written as text must still come to at least one byte. */
function checkMl(ml: Obj | undefined): Finding[] {
  return checkSizeText(ml?.maxModelBytes, ["ml", "maxModelBytes"]);
}

/**
 * A size written as text must still come to at least one byte ("0.1B" does not), and to a
 * whole number of bytes JavaScript counts exactly ("9999999GiB" does not).
 */
function checkSizeText(max: unknown, path: string[]): Finding[] {
  if (typeof max !== "string" || !/^[0-9]+(\.[0-9]+)? ?(B|KB|MB|GB|KiB|MiB|GiB)$/.test(max)) {
    return [];
  }
  const bytes = parseSize(max);
  if (bytes < 1) {
    return [{
      path,
      rule: "minimum",
      message: `found ${quote(max)} (${bytes} bytes), expected at least 1 byte`,
    }];
  }
  if (!Number.isSafeInteger(bytes)) {
    return [{
      path,
      rule: "maximum",
      message: `found ${
        quote(max)
      } (${bytes} bytes), expected at most ${Number.MAX_SAFE_INTEGER} bytes`,
    }];
  }
  return [];
}

/** The admin page listens beyond this machine only when the file says so on purpose. */
function checkAdmin(admin: Obj | undefined): Finding[] {
  const host = str(admin?.host);
  if (host === undefined || admin?.allowRemote === true) return [];
  if (isLoopbackHost(host)) return [];
  return [{
    path: ["admin", "host"],
    rule: "admin-remote",
    message: `found host ${
      quote(host)
    }, expected a loopback address (127.0.0.1, ::1, localhost) unless allowRemote is true`,
  }];
}

/**
 * Registries: plain HTTP only to this machine (it would expose credentials
 * and let anyone on the path swap modules), no TLS settings with plain HTTP,
 * each host and path prefix once, so a reference has one registry, and a
 * maximum artifact size of at least one byte.
 */
function checkRegistries(registries: Obj): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, string>();
  for (const [name, raw] of Object.entries(registries)) {
    const registry = obj(raw);
    const host = str(registry?.host);
    if (registry === undefined || host === undefined) continue;
    const path = ["registries", name];
    findings.push(...checkSizeText(registry.maxArtifactBytes, [...path, "maxArtifactBytes"]));
    const authority = host.split("/")[0]!.toLowerCase();
    const hostname = authority.startsWith("[")
      ? authority.slice(1, authority.indexOf("]"))
      : authority.replace(/:[0-9]+$/, "");
    if (registry.plainHttp === true) {
      if (hostname !== "127.0.0.1" && hostname !== "::1" && hostname !== "localhost") {
        findings.push({
          path: [...path, "plainHttp"],
          rule: "plain-http-loopback",
          message: `found plainHttp with the host ${
            quote(hostname)
          }, expected 127.0.0.1, ::1 or localhost (use HTTPS for any other registry)`,
        });
      }
      if (obj(registry.tls) !== undefined) {
        findings.push({
          path: [...path, "tls"],
          rule: "tls-plain-http",
          message: "found tls settings with plainHttp: true, expected one or the other",
          at: "key",
        });
      }
    }
    const key = host.toLowerCase().replace(/\/+$/, "");
    const first = seen.get(key);
    if (first !== undefined) {
      findings.push({
        path: [...path, "host"],
        rule: "duplicate-registry",
        message: `found host ${quote(host)} again (registry "${first}" has it), expected each ` +
          "registry host and path prefix once",
      });
    } else {
      seen.set(key, name);
    }
  }
  return findings;
}

/**
 * Graph references name a configured registry or this machine, so a typo or
 * a copied reference cannot make the gateway fetch code from anywhere.
 */
function checkReferenceRegistries(registries: Obj, dataflows: Obj): Finding[] {
  const known = Object.values(registries).map((r) => str(obj(r)?.host)).filter((h) =>
    h !== undefined
  ).map((h) => h.split("/")[0]!.toLowerCase());
  const findings: Finding[] = [];
  for (const [name, flow] of Object.entries(dataflows)) {
    const ref = str(obj(obj(flow)?.graph)?.ref);
    const registry = ref === undefined ? "" : registryOfReference(ref);
    if (registry === "" || known.includes(registry) || isLoopbackHost(registry)) continue;
    const expected = known.length === 0
      ? "a registry under registries (there are none)"
      : `one of the registries under registries (${orList(known.map(quote))})`;
    findings.push({
      path: ["dataflows", name, "graph", "ref"],
      rule: "unconfigured-registry",
      message: `found the registry ${quote(registry)}, expected ${expected} or this machine; ` +
        "add it under registries, or set allowAnyRegistry: true",
    });
  }
  return findings;
}

function checkEndpoints(endpoints: Obj): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, string>();
  for (const [name, raw] of Object.entries(endpoints)) {
    const endpoint = obj(raw);
    if (endpoint !== undefined && kindOf(endpoint) !== "mqtt") {
      findings.push(...checkKindEndpoint(name, endpoint));
      continue;
    }
    const url = str(endpoint?.url);
    if (endpoint === undefined || url === undefined) continue;
    const path = ["endpoints", name];
    const tls = obj(endpoint.tls);
    if (tls !== undefined && url.startsWith("mqtt://")) {
      findings.push({
        path: [...path, "tls"],
        rule: "tls-url",
        message: `found tls settings with the url ${quote(url)}, expected an mqtts:// url`,
        at: "key",
      });
    }
    const host = authorityOf(url);
    if (
      obj(endpoint.credentials) !== undefined && url.startsWith("mqtt://") &&
      endpoint.insecure !== true && !isLoopbackHost(host)
    ) {
      findings.push({
        path: [...path, "credentials"],
        rule: "plain-credentials",
        message: `found credentials with the plain url ${
          quote(url)
        }, expected an mqtts:// url, or insecure: true to send the password unencrypted to ${
          quote(hostnameOf(host))
        }`,
        at: "key",
      });
    }
    findings.push(...tlsPairFindings(path, tls));
    const clientId = str(endpoint.clientId) ?? `weir-${name}`;
    const key = `${hostPort(url)} ${clientId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      findings.push({
        path: [...path, endpoint.clientId === undefined ? "url" : "clientId"],
        rule: "duplicate-client-id",
        message: `found client id ${quote(clientId)} again for the broker of endpoint ` +
          `${quote(first)}, expected a client id of its own (the broker would drop one connection)`,
      });
    } else {
      seen.set(key, name);
    }
  }
  return findings;
}

/** `host:port` with the default port filled in, so that equal brokers compare equal. */
function hostPort(url: string): string {
  const tls = url.startsWith("mqtts://");
  const rest = url.slice(tls ? 8 : 7).replace(/\/$/, "").toLowerCase();
  return /:[0-9]+$/.test(rest) ? rest : `${rest}:${tls ? 8883 : 1883}`;
}

/** A graph comes from a file or a registry, never both, never neither. */
function checkGraphSource(path: (string | number)[], graph: Obj | undefined): Finding[] {
  if (graph === undefined) return [];
  const hasFile = typeof graph.file === "string";
  const hasRef = typeof graph.ref === "string";
  if (hasFile && hasRef) {
    return [{
      path: [...path, "graph"],
      rule: "graph-source",
      message: "found both file and ref, expected one of them",
    }];
  }
  if (!hasFile && !hasRef && graph.file === undefined && graph.ref === undefined) {
    return [{
      path: [...path, "graph"],
      rule: "graph-source",
      message: "found neither file nor ref, expected a graph file or an OCI reference",
    }];
  }
  if (hasFile && typeof graph.watchSeconds === "number" && graph.watchSeconds > 0) {
    return [{
      path: [...path, "graph", "watchSeconds"],
      rule: "graph-source",
      message: "found watchSeconds with a file, expected it only with ref",
    }];
  }
  return [];
}

function checkDataflow(name: string, flow: Obj, endpoints: Obj): Finding[] {
  const findings: Finding[] = [];
  const path = ["dataflows", name];
  const known = Object.keys(endpoints);
  const source = obj(flow.source);
  const destination = obj(flow.destination);
  const deadLetter = obj(flow.deadLetter);
  const parts = [["source", source], ["destination", destination], [
    "deadLetter",
    deadLetter,
  ]] as const;
  for (const [part, settings] of parts) {
    const endpoint = str(settings?.endpoint);
    // Own keys only: "__proto__" or "toString" must not pass for a configured endpoint.
    if (endpoint === undefined || endpoint === "" || Object.hasOwn(endpoints, endpoint)) continue;
    const expected = known.length === 0
      ? "an endpoint defined under endpoints (there are none)"
      : `one of ${orList(known.map(quote))}`;
    findings.push({
      path: [...path, part, "endpoint"],
      rule: "unknown-endpoint",
      message: `found endpoint ${quote(endpoint)}, expected ${expected}`,
    });
  }
  findings.push(...checkGraphSource(path, obj(flow.graph)));
  findings.push(...checkDataflowKinds(name, flow, endpoints));
  const sourceKind = kindOf(obj(endpoints[str(source?.endpoint) ?? ""]));
  const destKind = kindOf(obj(endpoints[str(destination?.endpoint) ?? ""]));
  // An unknown endpoint is reported above; its topics are still read as MQTT ones.
  const mqttSource = sourceKind === undefined || sourceKind === "mqtt";
  const topics = mqttSource && Array.isArray(source?.topics) ? source.topics : [];
  findings.push(
    ...sourceTopicFindings([...path, "source", "topics"], topics, {
      rule: "topic-filter",
      noun: "topic filter",
      problemOf: filterProblem,
    }),
  );
  const alert = str(deadLetter?.topic);
  if (alert !== undefined) {
    const same = str(deadLetter?.endpoint) === str(source?.endpoint);
    findings.push(...publishTopicFindings([...path, "deadLetter", "topic"], alert, same, topics));
  }
  const mqttDestination = destKind === undefined || destKind === "mqtt";
  const target = mqttDestination ? str(destination?.topic) : undefined;
  if (target !== undefined && target !== "") {
    const same = str(destination?.endpoint) === str(source?.endpoint);
    findings.push(...publishTopicFindings([...path, "destination", "topic"], target, same, topics));
  }
  return findings;
}

/**
 * An MQTT topic a dataflow publishes to: a legal topic name, and none its own
 * source reads back on the same endpoint (a loop), unless it is `${outputTopic}`-based.
 */
function publishTopicFindings(
  path: YamlPath,
  topic: string,
  sameEndpoint: boolean,
  filters: readonly unknown[],
): Finding[] {
  const problem = topic === "" ? undefined : destinationProblem(topic);
  if (problem !== undefined) {
    return [{
      path,
      rule: "topic-name",
      message: `found topic ${quote(topic)}, expected ${problem}`,
    }];
  }
  if (topic.includes(OUTPUT_TOPIC) || !sameEndpoint) return [];
  const fed = filters.find((f) => typeof f === "string" && topicMatches(f, topic));
  if (fed === undefined) return [];
  return [{
    path,
    rule: "loop",
    message: `found topic ${quote(topic)}, which the source filter ${quote(String(fed))} ` +
      "on the same endpoint reads back, expected a topic outside the source's filters",
  }];
}
