import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CONFIG_SCHEMA,
  ConfigError,
  defaultDataDir,
  destinationProblem,
  type EndpointConfig,
  filterProblem,
  formatConfigIssue,
  parseSize,
  topicMatches,
} from "../src/config/mod.ts";
import { checkConfig, loadConfigFile, parseConfig } from "../src/gateway/mod.ts";

/** The MQTT settings of an endpoint that must be an MQTT one. */
function mqttOf(endpoint: EndpointConfig | undefined) {
  assert.equal(endpoint?.kind, "mqtt");
  return endpoint as Extract<EndpointConfig, { kind: "mqtt" }>;
}

const FULL = `
$schema: ../src/config/gateway.schema.json
endpoints:
  plant:
    url: mqtt://127.0.0.1:1883
    clientId: weir-plant-1
    protocol: 5
    qos: 1
  cloud:
    url: mqtts://broker.example.com
    protocol: "3.1.1"
    qos: 0
    tls: { ca: certs/ca.pem, cert: certs/client.pem, key: /etc/weir/client.key }
    credentials: { username: gateway, passwordFile: secrets/cloud.txt }
dataflows:
  temperatures:
    source: { endpoint: plant, topics: [sensors/+/temperature, "line/#"], sharedGroup: weir }
    graph: { file: graphs/temperature.yaml }
    configuration: { temperature_lower_bound: -10, upper: "40", enabled: true }
    destination: { endpoint: cloud, topic: "site-7/\${outputTopic}" }
  bridge:
    source: { endpoint: plant, topics: [alarms/#] }
    destination: { endpoint: cloud, topic: alarms }
dataDir: data
logging: { level: debug }
queue: { maxBytes: 64MiB, maxAgeSeconds: 3600, policy: reject-new }
`;

Deno.test("parseConfig() reads a full configuration with paths resolved and values normalised", () => {
  const config = parseConfig(FULL, "weir.yaml", { baseDir: "/srv/weir" });
  assert.equal(config.source, "weir.yaml");
  assert.equal(config.dataDir, "/srv/weir/data");
  assert.deepEqual(config.logging, { level: "debug" });
  assert.deepEqual(config.queue, {
    maxBytes: 64 * 1024 * 1024,
    maxAgeSeconds: 3600,
    policy: "reject-new",
  });
  assert.deepEqual(config.endpoints.plant, {
    kind: "mqtt",
    url: "mqtt://127.0.0.1:1883",
    clientId: "weir-plant-1",
    protocol: "5",
    qos: 1,
    keepAliveSeconds: 60,
    sessionExpirySeconds: 3600,
    receiveMaximum: 1000,
    insecure: false,
  });
  assert.deepEqual(config.endpoints.cloud, {
    kind: "mqtt",
    url: "mqtts://broker.example.com",
    clientId: "weir-cloud",
    protocol: "3.1.1",
    qos: 0,
    keepAliveSeconds: 60,
    sessionExpirySeconds: 3600,
    receiveMaximum: 1000,
    tls: {
      ca: "/srv/weir/certs/ca.pem",
      cert: "/srv/weir/certs/client.pem",
      key: "/etc/weir/client.key",
    },
    credentials: { username: "gateway", passwordFile: "/srv/weir/secrets/cloud.txt" },
    insecure: false,
  });
  assert.deepEqual(config.dataflows.temperatures, {
    source: { endpoint: "plant", topics: ["sensors/+/temperature", "line/#"], sharedGroup: "weir" },
    graph: { file: "/srv/weir/graphs/temperature.yaml" },
    configuration: { temperature_lower_bound: "-10", upper: "40", enabled: "true" },
    timing: { idleMs: 1000, latenessMs: 0, maxClockDriftMs: 60_000 },
    destination: { endpoint: "cloud", topic: "site-7/${outputTopic}" },
  });
  assert.deepEqual(config.dataflows.bridge, {
    source: { endpoint: "plant", topics: ["alarms/#"] },
    configuration: {},
    timing: { idleMs: 1000, latenessMs: 0, maxClockDriftMs: 60_000 },
    destination: { endpoint: "cloud", topic: "alarms" },
  });
});

Deno.test("parseConfig() applies the schema defaults to a minimal file and an empty one", () => {
  const config = parseConfig("endpoints:\n  b: { url: 'mqtt://localhost' }\n", "min.yaml", {
    baseDir: "/home/op",
  });
  assert.equal(mqttOf(config.endpoints.b).protocol, "5");
  assert.equal(mqttOf(config.endpoints.b).qos, 1);
  assert.equal(mqttOf(config.endpoints.b).clientId, "weir-b");
  assert.deepEqual(config.dataflows, {});
  assert.equal(config.dataDir, "/home/op/.weir");
  assert.deepEqual(config.logging, { level: "info" });
  assert.deepEqual(config.queue, {
    maxBytes: 268435456,
    maxAgeSeconds: 604800,
    policy: "drop-oldest",
  });
  assert.deepEqual(config.state, { maxBytes: 67108864, maxKeys: 100000 });
  const empty = parseConfig("", "empty.yaml", { baseDir: "/etc/weir" });
  assert.equal(empty.dataDir, "/var/lib/weir");
  assert.deepEqual(empty.endpoints, {});
});

Deno.test("checkConfig() reports every issue at once with line, column, path, found and expected", () => {
  const text = `endpoints:
  plant:
    url: http://broker
    qos: 2
    protocol: 4
    credentials: { username: u, password: hunter2 }
  edge:
    url: mqtt://edge
    tls: { ca: ca.pem }
    keepalive: 10
dataflows:
  flow:
    source: { endpoint: plnt, topics: ["a/#/b", "x+", "$share/g/t"] }
    destination: { endpoint: edge, topic: "out/+/\${topic}" }
  loop:
    source: { endpoint: edge, topics: [data/#] }
    destination: { endpoint: edge, topic: data/out }
  "bad name":
    source: { endpoint: edge, topics: [] }
    destination: { endpoint: edge }
queue: { maxBytes: 12 parsecs, policy: drop-newest }
extra: 1
`;
  const { config, issues } = checkConfig(text, "bad.yaml");
  assert.equal(config, undefined);
  const lines = issues.map(formatConfigIssue);
  const expected = [
    'bad.yaml:3:10: endpoints.plant.url: found string "http://broker", expected an mqtt://host[:port] or mqtts://host[:port] URL [pattern]',
    "bad.yaml:4:10: endpoints.plant.qos: found number 2, expected one of 0 or 1 [enum]",
    'bad.yaml:5:15: endpoints.plant.protocol: found number 4, expected one of 5, "5" or "3.1.1" [enum]',
    'bad.yaml:6:18: endpoints.plant.credentials: missing required field "passwordFile" or "passwordEnv" [required]',
    'bad.yaml:6:33: endpoints.plant.credentials.password: found "password": inline passwords are not allowed, expected "passwordFile" or "passwordEnv" [forbidden]',
    'bad.yaml:9:5: endpoints.edge.tls: found tls settings with the url "mqtt://edge", expected an mqtts:// url [tls-url]',
    'bad.yaml:10:5: endpoints.edge.keepalive: found unknown field "keepalive", expected "kind", "url", "clientId", "protocol", "qos", "keepAliveSeconds", "sessionExpirySeconds", "receiveMaximum", "insecure", "tls" or "credentials" [unknown-field]',
    'bad.yaml:13:25: dataflows.flow.source.endpoint: found endpoint "plnt", expected one of "plant" or "edge" [unknown-endpoint]',
    'bad.yaml:13:40: dataflows.flow.source.topics[0]: found topic filter "a/#/b", expected "#" only as a whole level at the end [topic-filter]',
    'bad.yaml:13:49: dataflows.flow.source.topics[1]: found topic filter "x+", expected "+" only as a whole level [topic-filter]',
    'bad.yaml:13:55: dataflows.flow.source.topics[2]: found topic filter "$share/g/t", expected a topic filter without "$share/" (set sharedGroup instead) [topic-filter]',
    'bad.yaml:14:43: dataflows.flow.destination.topic: found topic "out/+/${topic}", expected no placeholder but ${outputTopic}, not ${topic} [topic-name]',
    'bad.yaml:17:43: dataflows.loop.destination.topic: found topic "data/out", which the source filter "data/#" on the same endpoint reads back, expected a topic outside the source\'s filters [loop]',
    'bad.yaml:18:3: dataflows["bad name"]: found key "bad name", expected a name of letters, digits, "_" and "-" (at most 63, starting with a letter or digit) [key-pattern]',
    'bad.yaml:19:39: dataflows["bad name"].source.topics: found an empty list, expected a non-empty list [min-items]',
    'bad.yaml:20:18: dataflows["bad name"].destination.topic: missing required field "topic" [required]',
    'bad.yaml:21:20: queue.maxBytes: found string "12 parsecs", expected a size such as "256MiB" (B, KB, MB, GB, KiB, MiB or GiB) [pattern]',
    'bad.yaml:21:40: queue.policy: found string "drop-newest", expected one of "drop-oldest" or "reject-new" [enum]',
    'bad.yaml:22:1: extra: found unknown field "extra", expected "$schema", "endpoints", "dataflows", "registries", "allowAnyRegistry", "dataDir", "logging", "admin", "queue", "state" or "ml" [unknown-field]',
  ];
  assert.deepEqual(lines, expected);
});

Deno.test("checkConfig() reports YAML syntax errors and duplicate keys with their place", () => {
  const dup = checkConfig("endpoints: {}\nendpoints: {}\n", "dup.yaml");
  assert.equal(dup.issues.length, 1);
  assert.equal(dup.issues[0]?.rule, "duplicate-key");
  assert.equal(dup.issues[0]?.line, 2);
  const broken = checkConfig("endpoints:\n  a: [\n", "broken.yaml");
  assert.ok(broken.issues.length >= 1);
  assert.equal(broken.issues[0]?.rule, "yaml-syntax");
  const root = checkConfig("- a\n- b\n", "list.yaml");
  assert.deepEqual(root.issues.map((i) => i.message), [
    "found a list, expected a mapping",
  ]);
});

Deno.test("checkConfig() catches a second connection with the same client id to one broker", () => {
  const text = `endpoints:
  a: { url: "mqtt://host:1883", clientId: same }
  b: { url: "mqtt://HOST", clientId: same }
  c: { url: "mqtt://host:1884", clientId: same }
`;
  const { issues } = checkConfig(text, "ids.yaml");
  assert.deepEqual(issues.map((i) => [i.path, i.rule]), [
    ["endpoints.b.clientId", "duplicate-client-id"],
  ]);
});

Deno.test("checkConfig() refuses credentials over plain mqtt:// beyond this machine unless insecure is set", () => {
  const text = `endpoints:
  remote:
    url: mqtt://broker.example.com:1883
    credentials: { username: gw, passwordEnv: PW }
  lan:
    url: mqtt://10.0.0.5
    credentials:
      username: gw
      passwordFile: pw.txt
  opted:
    url: mqtt://10.0.0.6
    insecure: true
    credentials: { username: gw, passwordEnv: PW }
  local: { url: "mqtt://127.0.0.1:1883", credentials: { username: gw, passwordEnv: PW } }
  six: { url: "mqtt://[::1]:1883", credentials: { username: gw, passwordEnv: PW } }
  tls: { url: "mqtts://broker.example.com", credentials: { username: gw, passwordEnv: PW } }
  anonymous: { url: "mqtt://broker.example.com:1884" }
`;
  const { issues } = checkConfig(text, "plain.yaml");
  assert.deepEqual(issues.map(formatConfigIssue), [
    'plain.yaml:4:5: endpoints.remote.credentials: found credentials with the plain url "mqtt://broker.example.com:1883", expected an mqtts:// url, or insecure: true to send the password unencrypted to "broker.example.com" [plain-credentials]',
    'plain.yaml:7:5: endpoints.lan.credentials: found credentials with the plain url "mqtt://10.0.0.5", expected an mqtts:// url, or insecure: true to send the password unencrypted to "10.0.0.5" [plain-credentials]',
  ]);
  const optedIn = text.replaceAll(
    /(url: mqtt:\/\/(broker\.example\.com:1883|10\.0\.0\.5)\n)/g,
    "$1    insecure: true\n",
  );
  const allowed = parseConfig(optedIn, "plain.yaml");
  assert.deepEqual(
    Object.entries(allowed.endpoints).map(([name, e]) => [name, mqttOf(e).insecure]),
    [
      ["remote", true],
      ["lan", true],
      ["opted", true],
      ["local", false],
      ["six", false],
      ["tls", false],
      ["anonymous", false],
    ],
  );
});

Deno.test("checkConfig() wants a TLS client certificate and key together, and a size of at least a byte", () => {
  const text = `endpoints:
  a: { url: "mqtts://host", tls: { cert: c.pem } }
queue: { maxBytes: 0KiB }
`;
  const { issues } = checkConfig(text, "tls.yaml");
  assert.deepEqual(issues.map((i) => [i.path, i.rule]), [
    ["endpoints.a.tls.key", "tls-pair"],
    ["queue.maxBytes", "minimum"],
  ]);
});

Deno.test("ConfigError from parseConfig() lists every issue, one per line", () => {
  const text = "logging: { level: loud }\nqueue: { maxAgeSeconds: 0 }\n";
  assert.throws(() => parseConfig(text, "e.yaml"), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, "config_invalid");
    assert.equal(e.issues.length, 2);
    assert.equal(
      e.message,
      [
        'Configuration "e.yaml" is invalid (2 issues)',
        'e.yaml:1:19: logging.level: found string "loud", expected one of "debug", "info", "warn" or "error" [enum]',
        "e.yaml:2:25: queue.maxAgeSeconds: found number 0, expected at least 1 [minimum]",
      ].join("\n"),
    );
    return true;
  });
});

Deno.test("loadConfigFile() resolves paths against the file's folder and names an unreadable file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "weir-config-"));
  try {
    const file = join(dir, "weir.yaml");
    await writeFile(
      file,
      "endpoints:\n  a: { url: 'mqtt://127.0.0.1', credentials: { username: u, passwordEnv: WEIR_PW } }\n" +
        "dataflows:\n  f:\n    source: { endpoint: a, topics: [t] }\n    graph: { file: g.yaml }\n" +
        "    destination: { endpoint: a, topic: out }\n",
    );
    const config = await loadConfigFile(file);
    assert.equal(config.dataDir, join(dir, ".weir"));
    assert.deepEqual(config.dataflows.f?.graph, { file: join(dir, "g.yaml") });
    assert.deepEqual(mqttOf(config.endpoints.a).credentials, {
      username: "u",
      passwordEnv: "WEIR_PW",
    });
    await assert.rejects(
      loadConfigFile(join(dir, "missing.yaml")),
      (e: unknown) =>
        e instanceof ConfigError && e.code === "config_io" &&
        e.message.startsWith(`Cannot read configuration file "${join(dir, "missing.yaml")}"`),
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

Deno.test("topic helpers: filters, destination topics and matching follow MQTT rules", () => {
  assert.equal(filterProblem("a/+/c/#"), undefined);
  assert.equal(filterProblem("#"), undefined);
  assert.ok(filterProblem("a/#/c"));
  assert.ok(filterProblem(""));
  assert.equal(destinationProblem("x/${outputTopic}/y"), undefined);
  assert.ok(destinationProblem("x/#"));
  assert.ok(destinationProblem("$SYS/x"));
  assert.ok(topicMatches("a/#", "a"));
  assert.ok(topicMatches("a/+/c", "a/b/c"));
  assert.ok(!topicMatches("a/+/c", "a/b/d"));
  assert.ok(!topicMatches("#", "$SYS/x"));
  assert.ok(!topicMatches("a/b", "a/b/c"));
  assert.equal(parseSize("1.5KiB"), 1536);
  assert.equal(parseSize(10), 10);
  assert.equal(defaultDataDir("/etc"), "/var/lib/weir");
});

Deno.test("the configuration schema file is JSON Schema with defaults the loader uses", () => {
  assert.equal(CONFIG_SCHEMA.$ref, undefined);
  assert.equal(CONFIG_SCHEMA.type, "object");
  assert.deepEqual(Object.keys(CONFIG_SCHEMA.properties ?? {}), [
    "$schema",
    "endpoints",
    "dataflows",
    "registries",
    "allowAnyRegistry",
    "dataDir",
    "logging",
    "admin",
    "queue",
    "state",
    "ml",
  ]);
});

Deno.test("dataflow timing: defaults, values, and a clear error for a bad one", () => {
  const base = {
    endpoints: { local: { url: "mqtt://127.0.0.1:1883" } },
    dataflows: {
      a: {
        source: { endpoint: "local", topics: ["s/#"] },
        destination: { endpoint: "local", topic: "o" },
      },
      b: {
        source: { endpoint: "local", topics: ["t/#"] },
        destination: { endpoint: "local", topic: "p" },
        timing: { idleMs: 250, latenessMs: 2000, maxClockDriftMs: 5000 },
      },
    },
  };
  const config = parseConfig(JSON.stringify(base), "timing.yaml");
  assert.deepEqual(config.dataflows["a"]!.timing, {
    idleMs: 1000,
    latenessMs: 0,
    maxClockDriftMs: 60_000,
  });
  assert.deepEqual(config.dataflows["b"]!.timing, {
    idleMs: 250,
    latenessMs: 2000,
    maxClockDriftMs: 5000,
  });
  const bad = { ...base, dataflows: { b: { ...base.dataflows.b, timing: { latenessMs: -5 } } } };
  const { issues } = checkConfig(JSON.stringify(bad), "timing.yaml");
  assert.equal(issues.length, 1);
  assert.match(issues[0]!.path, /dataflows\.b\.timing\.latenessMs/);
});

Deno.test("state quota: sizes and key counts are read, and a bad one is a clear error", () => {
  const config = parseConfig("state: { maxBytes: 8MiB, maxKeys: 500 }\n", "s.yaml");
  assert.deepEqual(config.state, { maxBytes: 8 * 1024 * 1024, maxKeys: 500 });
  const { issues } = checkConfig(
    "state: { maxBytes: 0.5B, maxKeys: 0, maxValues: 3 }\n",
    "bad.yaml",
  );
  assert.deepEqual(issues.map(formatConfigIssue), [
    'bad.yaml:1:20: state.maxBytes: found "0.5B" (0 bytes), expected at least 1 byte [minimum]',
    "bad.yaml:1:35: state.maxKeys: found number 0, expected at least 1 [minimum]",
    'bad.yaml:1:38: state.maxValues: found unknown field "maxValues", expected "maxBytes" or "maxKeys" [unknown-field]',
  ]);
});

Deno.test("sizes and whole numbers past 2^53 are refused, not taken inexactly", () => {
  // Found by the gateway-config fuzz target: "9999999GiB" came to 10737417166258176 bytes.
  const { issues } = checkConfig(
    "queue: { maxBytes: 9999999GiB, maxAgeSeconds: 1e300, deadLetterMaxBytes: 0.5B }\n",
    "big.yaml",
  );
  assert.deepEqual(issues.map(formatConfigIssue), [
    'big.yaml:1:20: queue.maxBytes: found "9999999GiB" (10737417166258176 bytes), expected at most 9007199254740991 bytes [maximum]',
    "big.yaml:1:47: queue.maxAgeSeconds: found number 1e+300, expected a whole number [type]",
    'big.yaml:1:74: queue.deadLetterMaxBytes: found "0.5B" (0 bytes), expected at least 1 byte [minimum]',
  ]);
});

Deno.test("an endpoint name from Object.prototype is no configured endpoint", () => {
  // Found by the gateway-config fuzz target: "__proto__" passed for an endpoint, and the
  // gateway would then have started a dataflow on Object.prototype.
  for (const name of ["__proto__", "toString", "constructor"]) {
    const { config, issues } = checkConfig(
      `endpoints: { b: { url: "mqtt://localhost" } }\ndataflows:\n  f:\n` +
        `    source: { endpoint: ${name}, topics: [a] }\n    destination: { endpoint: b, topic: z }\n`,
      "proto.yaml",
    );
    assert.equal(config, undefined, name);
    assert.deepEqual(issues.map(formatConfigIssue), [
      `proto.yaml:4:25: dataflows.f.source.endpoint: found endpoint "${name}", expected one of "b" [unknown-endpoint]`,
    ]);
  }
});

Deno.test("issues quote long values from the file shortened, never whole", () => {
  // Found by the gateway-config fuzz target: a 5,000-character registry host came back whole.
  const host = "h".repeat(5_000);
  const { issues } = checkConfig(
    `registries: { r: { host: ${host} } }\nendpoints: { b: { url: "mqtt://localhost" } }\n` +
      `dataflows:\n  f:\n    source: { endpoint: b, topics: [a] }\n` +
      `    graph: { ref: "elsewhere.example/g:1" }\n    destination: { endpoint: b, topic: z }\n` +
      `${"k".repeat(1_000)}: 1\n`,
    "long.yaml",
  );
  assert.equal(issues.length, 2);
  for (const issue of issues) assert.ok(issue.message.length < 400, issue.message.slice(0, 200));
  assert.match(issues[0]!.message, /registries under registries \("h{57}\.\.\."\)/);
  assert.match(issues[1]!.message, /^found unknown field "k{57}\.\.\."/);
});

Deno.test("a dataflow's deadLetter names a known endpoint and a topic its source does not read back", () => {
  const text = `endpoints: { local: { url: "mqtt://127.0.0.1" } }
dataflows:
  good:
    source: { endpoint: local, topics: ["sensors/#"] }
    destination: { endpoint: local, topic: "out" }
    deadLetter: { endpoint: local, topic: "alerts/\${outputTopic}" }
  bad:
    source: { endpoint: local, topics: ["sensors/#"] }
    destination: { endpoint: local, topic: "out" }
    deadLetter: { endpoint: nowhere, topic: "alerts/+" }
  loop:
    source: { endpoint: local, topics: ["sensors/#"] }
    destination: { endpoint: local, topic: "out" }
    deadLetter: { endpoint: local, topic: "sensors/dead" }
`;
  const { issues } = checkConfig(text, "dl.yaml");
  assert.deepEqual(issues.map((i) => [i.path, i.rule]), [
    ["dataflows.bad.deadLetter.endpoint", "unknown-endpoint"],
    ["dataflows.bad.deadLetter.topic", "topic-name"],
    ["dataflows.loop.deadLetter.topic", "loop"],
  ]);
  const config = parseConfig(text.slice(0, text.indexOf("  bad:")), "dl.yaml");
  assert.deepEqual(config.dataflows.good!.deadLetter, {
    endpoint: "local",
    topic: "alerts/${outputTopic}",
  });
});
