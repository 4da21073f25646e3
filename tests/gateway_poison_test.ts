/**
 * A poisoned `__ts` (a counter that would overflow the clock, 20 s in the
 * future) on one dataflow's topic costs no other message, on that dataflow or
 * on another sharing the connection: it is stamped on arrival, counted, and
 * everything after it flows.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import { startGatewayProcess, writeGatewayConfig } from "./_gateway_process.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";
import { until } from "./_stream.ts";

const EACH = 500;

Deno.test({
  name: "a poisoned __ts costs no other message on its dataflow or another on the connection" +
    MOSQUITTO_NOTE + modulesNote("temperature"),
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dir = await Deno.makeTempDir({ prefix: "weir-poison-" });
    // A small Receive Maximum: a message never acknowledged would stall the connection quickly.
    const config = await writeGatewayConfig(
      dir,
      `endpoints:
  local: { url: "${broker.url}", clientId: weir-poison, receiveMaximum: 50 }
dataflows:
  graph:
    source: { endpoint: local, topics: ["in/a/#"] }
    graph: { file: ${join(ROOT, "graphs/temperature.yaml")} }
    destination: { endpoint: local, topic: "out/a" }
  bridge:
    source: { endpoint: local, topics: ["in/b/#"] }
    destination: { endpoint: local, topic: "out/b" }
dataDir: ${join(dir, "data")}
logging: { level: warn }
`,
    );
    const gateway = await startGatewayProcess(config);
    const got = { a: new Set<number>(), b: new Set<number>(), poisoned: 0 };
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    sub.on("message", (topic, payload) => {
      const value = JSON.parse(payload.toString()).temperature.value as number;
      if (value < 0) got.poisoned++;
      else if (topic === "out/a") got.a.add(value);
      else got.b.add(value);
    });
    await sub.subscribeAsync("out/#", { qos: 1 });
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    const send = (topic: string, value: number, ts: string) =>
      pub.publishAsync(topic, JSON.stringify({ temperature: { value, unit: "C" } }), {
        qos: 1,
        properties: { userProperties: { __ts: ts } },
      });
    try {
      const poison = `${Date.now() + 20_000}:9007199254740989:x`;
      for (let i = 1; i <= 5; i++) await send("in/a/dev", -i, poison);
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < EACH; i++) {
        sends.push(send("in/a/dev", i, `${Date.now()}:${i}:dev`));
        sends.push(send("in/b/dev", i, `${Date.now()}:${i}:dev`));
      }
      await Promise.all(sends);
      await until(() => got.a.size === EACH && got.b.size === EACH && got.poisoned === 5, 30_000);
      assert.equal(got.a.size, EACH, `graph dataflow: ${got.a.size} of ${EACH}`);
      assert.equal(got.b.size, EACH, `bridge dataflow: ${got.b.size} of ${EACH}`);
      assert.equal(got.poisoned, 5, "the poisoned messages flow too, stamped on arrival");
      assert.match(gateway.log(), /message stamped on arrival: HLC counter \\"9007199254740989\\"/);
    } finally {
      await pub.endAsync();
      await sub.endAsync();
      await gateway.stop("SIGTERM");
      await broker.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
