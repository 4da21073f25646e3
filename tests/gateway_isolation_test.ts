/**
 * Dataflows that read from one broker do not hold each other back: a stopped
 * dataflow keeps its input at the broker, and another dataflow on the same
 * endpoint keeps flowing, however many messages wait for the stopped one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import { testGateway } from "./_gateway.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";
import { until } from "./_stream.ts";

Deno.test({
  name: "a stopped dataflow holds back only itself, not another on the same endpoint" +
    MOSQUITTO_NOTE + modulesNote("temperature"),
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using t = await testGateway({
      endpoints: (url) => ({ local: { url, clientId: "weir-iso", receiveMaximum: 100 } }),
      dataflows: {
        held: {
          source: { endpoint: "local", topics: ["in/held"] },
          graph: { file: join(ROOT, "graphs/temperature.yaml") },
          destination: { endpoint: "local", topic: "out/held" },
        },
        flowing: {
          source: { endpoint: "local", topics: ["in/flowing"] },
          destination: { endpoint: "local", topic: "out/flowing" },
        },
      },
    });
    const { gateway, broker } = t;
    const got = { held: 0, flowing: 0 };
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    sub.on("message", (topic) => topic === "out/held" ? got.held++ : got.flowing++);
    await sub.subscribeAsync("out/#", { qos: 1 });
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const body = JSON.stringify({ temperature: { value: 1, unit: "C" } });
    try {
      await gateway.control.stop("held");
      // Far more than the receive window waits for the stopped dataflow...
      await Promise.all(
        Array.from({ length: 500 }, () => pub.publishAsync("in/held", body, { qos: 1 })),
      );
      // ...and the other dataflow still gets every one of its messages.
      await Promise.all(
        Array.from({ length: 500 }, () => pub.publishAsync("in/flowing", body, { qos: 1 })),
      );
      await until(() => got.flowing === 500, 20_000);
      assert.equal(got.flowing, 500);
      assert.equal(got.held, 0, "the stopped dataflow's input waits");
      await gateway.control.start("held");
      await until(() => got.held === 500, 20_000);
      assert.equal(got.held, 500, "and arrives once it runs again");
    } finally {
      await pub.endAsync();
      await sub.endAsync();
    }
  },
});
