import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatHlc, hlc, HlcClock, type Message } from "../src/base/mod.ts";
import {
  AckSequencer,
  BUILTIN_CONNECTORS,
  builtinRegistry,
  ConnectionPool,
  type ConnectorDefinition,
  ConnectorError,
  ConnectorRegistry,
  encodeRecord,
  type InboundMessage,
  messageToRecord,
  mqttConnector,
  mqttEndpointSettings,
  OUTPUT_ID_PROPERTY,
  publishTopicProblem,
  readSecrets,
  Slots,
  topicMatches,
  userPropertyObject,
} from "../src/connectors/mod.ts";
import type { Rec } from "../src/engine/mod.ts";

const encoder = new TextEncoder();

Deno.test("ConnectorRegistry refuses two definitions of one kind and names the known kinds", () => {
  const fake: ConnectorDefinition = { kind: "fake", summary: "a fake" };
  assert.throws(
    () => new ConnectorRegistry([fake, { ...fake }]),
    (e: unknown) =>
      e instanceof ConnectorError && e.code === "connector_duplicate" &&
      e.message === 'Connector kind "fake" is registered twice',
  );
  assert.throws(() => new ConnectorRegistry([{ kind: "Bad-Kind", summary: "" }]), TypeError);
  const registry = new ConnectorRegistry([fake]);
  assert.equal(registry.get("fake"), fake);
  assert.ok(registry.has("fake"));
  assert.throws(
    () => registry.get("kafka"),
    (e: unknown) =>
      e instanceof ConnectorError && e.code === "connector_unknown" &&
      e.message === 'Unknown connector kind "kafka" (known: "fake")',
  );
});

Deno.test("builtinRegistry() lists the built-in connectors: mqtt with a source and a sink", () => {
  const registry = builtinRegistry();
  assert.deepEqual(registry.list().map((d) => d.kind), BUILTIN_CONNECTORS.map((d) => d.kind));
  const mqtt = registry.get("mqtt");
  assert.equal(mqtt, mqttConnector);
  assert.equal(typeof mqtt.createSource, "function");
  assert.equal(typeof mqtt.createSink, "function");
  assert.ok(mqtt.summary.length > 20);
});

Deno.test("ConnectionPool shares one connection per key and closes it with the last lease", async () => {
  const closed: string[] = [];
  let opened = 0;
  const open = (name: string) => () => {
    opened++;
    return { name, close: () => Promise.resolve(void closed.push(name)) };
  };
  const pool = new ConnectionPool();
  const a1 = pool.acquire("a", open("a"));
  const a2 = pool.acquire("a", open("a"));
  const b = pool.acquire("b", open("b"));
  assert.equal(a1.value, a2.value);
  assert.equal(opened, 2);
  await a1.release();
  await a1.release(); // idempotent: does not count twice
  assert.deepEqual(closed, []);
  await a2.release();
  assert.deepEqual(closed, ["a"]);
  assert.deepEqual(pool.keys(), ["b"]);
  await pool.close();
  assert.deepEqual(closed, ["a", "b"]);
  await b.release();
  assert.deepEqual(closed, ["a", "b"], "a lease released after the pool closed closes nothing");
  assert.throws(() => pool.acquire("c", open("c")), /closed/);
});

Deno.test("AckSequencer sends PUBACKs in arrival order, after every hold on a message is released", () => {
  const sent: number[] = [];
  const acks = new AckSequencer((id) => sent.push(id));
  const m1 = acks.open(1, 1);
  const m2 = acks.open(2, 2); // two subscribers
  const m3 = acks.open(3, 1);
  acks.release(m3);
  acks.release(m2);
  assert.deepEqual(sent, [], "3 and half of 2 are done, but 1 is not");
  acks.release(m1);
  assert.deepEqual(sent, [1], "2 still has a hold");
  acks.release(m2);
  assert.deepEqual(sent, [1, 2, 3]);
  acks.release(m2);
  assert.deepEqual(sent, [1, 2, 3], "extra releases send nothing");
  const none = acks.open(4, 0);
  assert.deepEqual(sent, [1, 2, 3, 4], "no holds: acknowledged at its turn");
  void none;
  const parked = acks.open(5, 1);
  acks.hold(parked);
  acks.release(parked);
  assert.equal(acks.pending, 1);
  acks.reset();
  acks.release(parked);
  assert.deepEqual(sent, [1, 2, 3, 4], "a ticket of a closed connection sends nothing");
  assert.equal(acks.pending, 0);
});

Deno.test("Slots caps holders and serves waiters in call order", async () => {
  const slots = new Slots(2);
  assert.equal(slots.acquire(), undefined);
  assert.equal(slots.acquire(), undefined);
  const order: number[] = [];
  const w1 = slots.acquire()!.then(() => order.push(1));
  const w2 = slots.acquire()!.then(() => order.push(2));
  assert.equal(slots.used, 2);
  slots.release();
  slots.release();
  await Promise.all([w1, w2]);
  assert.deepEqual(order, [1, 2]);
  slots.release();
  slots.release();
  assert.equal(slots.used, 0);
});

function inbound(
  userProperties: ReadonlyArray<readonly [string, string]>,
  topic = "plant/oven",
): InboundMessage {
  return {
    topic,
    payload: encoder.encode("212"),
    qos: 1,
    duplicate: false,
    contentType: "text/plain",
    userProperties,
    ack: () => {},
  };
}

Deno.test("messageToRecord() takes the time from __ts and keeps the other properties in order", () => {
  const clock = new HlcClock("gw", { now: () => 1758255553528 + 10 });
  const { record, warning } = messageToRecord(
    inbound([["a", "1"], ["__ts", "001758255553528:00007:nodeA"], ["a", "2"]]),
    clock,
  );
  assert.equal(warning, undefined);
  assert.deepEqual(record.time, hlc(1758255553528, 7, "nodeA"));
  const data = record.data as Message;
  assert.equal(data.kind, "message");
  assert.deepEqual(data.topic, encoder.encode("plant/oven"));
  assert.equal(data.contentType, "text/plain");
  assert.deepEqual(data.userProperties, [["a", "1"], ["a", "2"]]);
  assert.deepEqual(data.timestamp, {
    secs: 1758255553,
    nanos: 528_000_000,
    counter: 7,
    node: "nodeA",
  });
  assert.equal(data.schema, null);
});

Deno.test("messageToRecord() stamps on arrival without __ts, and with a malformed or future one warns", () => {
  let now = 5_000;
  const clock = new HlcClock("gw", { now: () => now });
  const plain = messageToRecord(inbound([]), clock);
  assert.deepEqual(plain.record.time, hlc(5_000, 1, "gw"));
  assert.equal(plain.warning, undefined);
  const again = messageToRecord(inbound([]), clock);
  assert.deepEqual(again.record.time, hlc(5_000, 2, "gw"), "same millisecond: counter moves on");
  now = 6_000;
  const bad = messageToRecord(inbound([["__ts", "yesterday"]]), clock);
  assert.deepEqual(bad.record.time, hlc(6_000, 0, "gw"));
  assert.match(bad.warning ?? "", /HLC "yesterday" is malformed/);
  assert.deepEqual((bad.record.data as Message).userProperties, []);
  const future = messageToRecord(inbound([["__ts", `${now + 3_600_000}:0:far`]]), clock);
  assert.deepEqual(future.record.time, hlc(6_000, 1, "gw"));
  assert.match(future.warning ?? "", /ahead of the wall clock/);
});

function rec(data: Rec["data"], ms = 1758255553528): Rec {
  return { time: hlc(ms, 3, "gw"), data };
}

function message(topic: string, props: Array<[string, string]> = []): Message {
  return {
    kind: "message",
    timestamp: { secs: 0, nanos: 0, counter: 0, node: "" },
    topic: encoder.encode(topic),
    contentType: "application/json",
    payload: encoder.encode("{}"),
    userProperties: props,
    schema: null,
  };
}

Deno.test("encodeRecord() resolves ${outputTopic}, sets __ts and the output id, keeps user properties", () => {
  const r = rec(message("plant/oven", [["site", "7"], ["__ts", "old"], [OUTPUT_ID_PROPERTY, "x"]]));
  const out = encodeRecord(r, "cloud/${outputTopic}/c", "g/map/1");
  assert.equal(out.topic, "cloud/plant/oven/c");
  assert.deepEqual(out.payload, encoder.encode("{}"));
  assert.deepEqual(out.properties, {
    contentType: "application/json",
    userProperties: [["site", "7"], ["__ts", formatHlc(r.time)], ["__weirId", "g/map/1"]],
  });
  assert.equal(formatHlc(r.time), "001758255553528:00003:gw");
  const fixed = encodeRecord(rec({ kind: "bytes", bytes: encoder.encode("raw") }), "raw/out");
  assert.deepEqual(fixed.properties.userProperties, [["__ts", formatHlc(r.time)]]);
});

Deno.test("encodeRecord() rejects a record whose topic cannot be published to", () => {
  const rejected = (e: unknown) => e instanceof ConnectorError && e.code === "connector_rejected";
  assert.throws(() => encodeRecord(rec(message("")), "${outputTopic}"), rejected);
  assert.throws(() => encodeRecord(rec(message("a/+")), "${outputTopic}"), rejected);
  assert.throws(
    () => encodeRecord(rec({ kind: "bytes", bytes: new Uint8Array() }), "x/${outputTopic}"),
    rejected,
  );
  assert.equal(publishTopicProblem("ok/topic"), undefined);
  assert.ok(topicMatches("a/+/c", "a/b/c"));
  assert.ok(!topicMatches("+/x", "$SYS/x"));
});

Deno.test("userPropertyObject() turns repeated names into lists for mqtt.js", () => {
  assert.deepEqual(
    { ...userPropertyObject([["a", "1"], ["b", "2"], ["a", "3"], ["a", "4"]]) },
    { a: ["1", "3", "4"], b: "2" },
  );
});

Deno.test("mqttEndpointSettings() applies the configuration defaults and lists every problem", () => {
  assert.deepEqual(mqttEndpointSettings("plant", { url: "mqtt://h:1883/" }), {
    url: "mqtt://h:1883",
    clientId: "weir-plant",
    protocol: "5",
    qos: 1,
    keepAliveSeconds: 60,
    sessionExpirySeconds: 3600,
    receiveMaximum: 1000,
    insecure: false,
  });
  assert.equal(mqttEndpointSettings("p", { url: "mqtt://h", protocol: "3.1.1" }).protocol, "3.1.1");
  assert.throws(
    () =>
      mqttEndpointSettings("p", {
        url: "http://h",
        qos: 2,
        protocol: 4,
        credentials: { username: "u", password: "x" },
      }),
    (e: unknown) =>
      e instanceof ConnectorError && e.code === "connector_config" &&
      e.message ===
        'MQTT endpoint "p" is unusable: url: found string "http://h", expected an ' +
          "mqtt://host[:port] or mqtts://host[:port] URL; protocol: found number 4, expected " +
          'one of 5, "5" or "3.1.1"; qos: found number 2, expected one of 0 or 1; credentials: ' +
          'missing required field "passwordFile" or "passwordEnv"; credentials.password: found ' +
          '"password": inline passwords are not allowed, expected "passwordFile" or "passwordEnv"',
  );
});

Deno.test("mqttEndpointSettings() refuses credentials over plain mqtt:// beyond loopback unless insecure", () => {
  const credentials = { username: "u", passwordEnv: "PW" };
  assert.throws(
    () => mqttEndpointSettings("up", { url: "mqtt://broker.example.com:1883", credentials }),
    (e: unknown) =>
      e instanceof ConnectorError && e.code === "connector_config" &&
      e.message ===
        'MQTT endpoint "up" is unusable: credentials over plain mqtt:// to "broker.example.com" ' +
          "need insecure: true (or use mqtts://)",
  );
  assert.throws(
    () => mqttEndpointSettings("up", { url: "mqtt://10.1.2.3", credentials, insecure: "yes" }),
    /insecure: found string "yes", expected a boolean; credentials over plain mqtt:\/\/ to "10\.1\.2\.3"/,
  );
  const opted = { url: "mqtt://10.1.2.3", credentials, insecure: true };
  assert.equal(mqttEndpointSettings("up", opted).insecure, true);
  for (const url of ["mqtt://127.0.0.1:1883", "mqtt://localhost", "mqtt://[::1]", "mqtts://h"]) {
    assert.equal(mqttEndpointSettings("ok", { url, credentials }).credentials?.username, "u", url);
  }
});

Deno.test("readSecrets() reads the password from a file or the environment and names what is missing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "weir-secrets-"));
  try {
    await writeFile(join(dir, "pw"), "s3cret\n");
    const fromFile = mqttEndpointSettings("e", {
      url: "mqtt://127.0.0.1",
      credentials: { username: "u", passwordFile: join(dir, "pw") },
    });
    assert.deepEqual(readSecrets("e", fromFile, () => undefined), {
      username: "u",
      password: "s3cret",
    });
    const fromEnv = mqttEndpointSettings("e", {
      url: "mqtt://127.0.0.1",
      credentials: { username: "u", passwordEnv: "PW" },
    });
    assert.equal(
      readSecrets("e", fromEnv, (n) => n === "PW" ? "env-pw" : undefined).password,
      "env-pw",
    );
    assert.throws(
      () => readSecrets("e", fromEnv, () => undefined),
      /MQTT endpoint "e": environment variable "PW" for the password is not set/,
    );
    const tls = mqttEndpointSettings("e", { url: "mqtts://h", tls: { ca: join(dir, "nope.pem") } });
    assert.throws(
      () => readSecrets("e", tls, () => undefined),
      (e: unknown) =>
        e instanceof ConnectorError && e.code === "connector_config" &&
        e.message.startsWith(
          `MQTT endpoint "e": cannot read TLS CA file "${join(dir, "nope.pem")}"`,
        ),
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

Deno.test("mqtt createSource()/createSink() refuse unusable settings before connecting", async () => {
  await using connections = new ConnectionPool();
  const context = { logger: { log: () => {}, child: () => context.logger }, connections };
  const endpoint = { url: "mqtt://127.0.0.1:1" };
  assert.throws(
    () => mqttConnector.createSource!({ endpointName: "e", endpoint, topics: ["a/#/b"] }, context),
    (e: unknown) =>
      e instanceof ConnectorError && e.code === "connector_config" &&
      /topic filter "a\/#\/b"/.test(e.message),
  );
  assert.throws(
    () => mqttConnector.createSink!({ endpointName: "e", endpoint, topic: "out/#" }, context),
    (e: unknown) => e instanceof ConnectorError && e.code === "connector_config",
  );
  assert.throws(
    () =>
      mqttConnector.createSink!({ endpointName: "e", endpoint: { url: "x" }, topic: "t" }, context),
    (e: unknown) => e instanceof ConnectorError && e.code === "connector_config",
  );
  // The leases taken for the refused ones are given back: nothing stays open.
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(connections.keys(), []);
});
