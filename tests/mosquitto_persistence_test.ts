/**
 * The throwaway broker's `persistence` keeps what the outage tests and the
 * soak rely on: a persistent session and the messages queued for it survive
 * a restart. (Started as root, mosquitto drops to its own user; when it could
 * not write its folder, every save failed and a restart lost both, which the
 * soak counted as the gateway's loss.)
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { until } from "./_wait.ts";

Deno.test({
  name: "a persistent session and its queued QoS 1 messages survive a broker restart" +
    MOSQUITTO_NOTE,
  ignore: !HAS_MOSQUITTO,
  fn: async () => {
    await using broker = await startMosquitto({ persistence: true });
    const session = {
      protocolVersion: 5 as const,
      clientId: "persistence-sub",
      clean: false,
      reconnectPeriod: 0,
      // Only the broker's session may bring the subscription back, not the client.
      resubscribe: false,
      properties: { sessionExpiryInterval: 3600 },
    };
    const first = await mqtt.connectAsync(broker.url, session);
    await first.subscribeAsync("kept/#", { qos: 1 });
    await first.endAsync();

    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    for (let i = 0; i < 100; i++) await pub.publishAsync("kept/x", String(i), { qos: 1 });
    await pub.endAsync();

    await broker.restart();
    assert.doesNotMatch(broker.log(), /Permission denied/);

    const got = new Set<string>();
    const second = mqtt.connect(broker.url, session);
    second.on("message", (_topic, payload) => got.add(payload.toString()));
    const connack = new Promise<boolean>((resolve) =>
      second.once("connect", (packet) => resolve(packet.sessionPresent))
    );
    assert.equal(await connack, true, "the broker kept the session");
    await until(() => got.size === 100, 10_000);
    await second.endAsync();
  },
});
