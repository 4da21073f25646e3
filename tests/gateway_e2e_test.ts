/**
 * The gateway end to end against a real mosquitto: graph-simple (unchanged)
 * keeps MQTT 5 properties, and a windowed graph of ours closes its window on
 * the idle clock when the sensor goes quiet.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import mqtt from "mqtt";
import { testGateway } from "./_gateway.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT, samplePath, SAMPLES_PRESENT, SAMPLES_SKIP_NOTE } from "./_samples.ts";

async function withGateway(
  graphFile: string,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  await using t = await testGateway({
    clientId: "weir-e2e",
    dataflows: {
      flow: {
        source: { endpoint: "local", topics: ["sensors/#"] },
        graph: { file: graphFile },
        destination: { endpoint: "local", topic: "out/${outputTopic}" },
      },
    },
  });
  await fn(t.url);
}

Deno.test({
  name:
    "graph-simple through the gateway keeps MQTT 5 properties and the module's property change (T01, T01d)" +
    MOSQUITTO_NOTE + modulesNote("temperature") + SAMPLES_SKIP_NOTE,
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature") || !SAMPLES_PRESENT,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withGateway(samplePath("graph-simple.yaml"), async (url) => {
      const sub = await mqtt.connectAsync(url, { protocolVersion: 5 });
      const got = new Promise<[string, Buffer, mqtt.IPublishPacket]>((resolve) =>
        sub.on("message", (t, p, packet) => resolve([t, p, packet]))
      );
      await sub.subscribeAsync("out/#", { qos: 1 });
      const pub = await mqtt.connectAsync(url, { protocolVersion: 5 });
      await pub.publishAsync("sensors/oven-1", '{"temperature":{"value":1209,"unit":"F"}}', {
        qos: 1,
        properties: {
          contentType: "application/json",
          userProperties: { test_property_key: "x", site: "plant-7", __ts: "1758255553000:0:df" },
        },
      });
      const [topic, payload, packet] = await got;
      assert.equal(topic, "out/sensors/oven-1", "${outputTopic} is the message's topic");
      assert.equal(
        payload.toString(),
        '{"temperature":{"value":653.8888888888889,"count":0,"max":0.0,"min":0.0,"average":0.0,"last":0.0,"unit":"C","overtemp":false}}',
      );
      const props = packet.properties?.userProperties ?? {};
      assert.equal(props["test_property_key"], "new_value");
      assert.equal(props["site"], "plant-7");
      assert.equal(props["__ts"], "001758255553000:00000:df");
      assert.match(String(props["__weirId"]), /^flow\/v1\/sink\/001758255553000:00000:df\/0$/);
      assert.equal(packet.properties?.contentType, "application/json");
      await pub.endAsync();
      await sub.endAsync();
    }),
});

Deno.test({
  name: "a windowed graph closes its window on the idle clock when the sensor goes quiet" +
    MOSQUITTO_NOTE +
    modulesNote("window", "temperature"),
  ignore: !HAS_MOSQUITTO || !modulesBuilt("window", "temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withGateway(join(ROOT, "graphs/window.yaml"), async (url) => {
      const sub = await mqtt.connectAsync(url, { protocolVersion: 5 });
      const outputs: string[] = [];
      sub.on("message", (_t, p) => outputs.push(p.toString()));
      await sub.subscribeAsync("out/#", { qos: 1 });
      const pub = await mqtt.connectAsync(url, { protocolVersion: 5 });
      // Three readings in the current 10-s window, stamped by the device's (wall) clock.
      const now = Date.now();
      const windowEnd = Math.ceil((now + 1) / 10_000) * 10_000;
      for (const [i, v] of [10, 30, 20].entries()) {
        await pub.publishAsync(
          "sensors/oven-1",
          JSON.stringify({ temperature: { value: v, unit: "C" } }),
          {
            qos: 1,
            properties: { userProperties: { __ts: `${now}:${i}:dev` } },
          },
        );
      }
      // Nothing more comes: the window must close once the idle clock passes its end.
      const deadline = windowEnd + 15_000;
      while (outputs.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(outputs.length, 1, "one result for the window");
      const t = JSON.parse(outputs[0]!).temperature;
      assert.equal(t.count, 3);
      assert.equal(t.max, 30);
      assert.equal(t.min, 10);
      assert.ok(Date.now() >= windowEnd, "not before the window's end");
      await pub.endAsync();
      await sub.endAsync();
    }),
});

Deno.test({
  name: "a dataflow without a graph bridges topics as they are" + MOSQUITTO_NOTE,
  ignore: !HAS_MOSQUITTO,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using upstream = await startMosquitto();
    await using t = await testGateway({
      endpoints: (url) => ({ local: { url }, upstream: { url: upstream.url } }),
      dataflows: {
        bridge: {
          source: { endpoint: "local", topics: ["devices/#"] },
          destination: { endpoint: "upstream", topic: "site-7/${outputTopic}" },
        },
      },
    });
    const local = t.broker;
    const sub = await mqtt.connectAsync(upstream.url, { protocolVersion: 5 });
    const got: Array<[string, string, string | undefined]> = [];
    sub.on(
      "message",
      (t, p, packet) => got.push([t, p.toString("hex"), packet.properties?.contentType]),
    );
    await sub.subscribeAsync("site-7/#", { qos: 1 });
    const pub = await mqtt.connectAsync(local.url, { protocolVersion: 5 });
    try {
      await pub.publishAsync("devices/a/state", "on", {
        qos: 1,
        properties: { contentType: "text/plain" },
      });
      await pub.publishAsync("devices/b/state", Buffer.from([0, 255, 7]), { qos: 1 });
      const deadline = Date.now() + 10_000;
      while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // Bytes pass as they are, content type too; the topic gets the destination's prefix.
      assert.deepEqual(got[0], [
        "site-7/devices/a/state",
        Buffer.from("on").toString("hex"),
        "text/plain",
      ]);
      assert.deepEqual(got[1], ["site-7/devices/b/state", "00ff07", undefined]);
    } finally {
      await pub.endAsync();
      await sub.endAsync();
    }
  },
});
