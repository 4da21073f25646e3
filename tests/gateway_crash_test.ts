/**
 * No loss across crashes: the gateway is killed with SIGKILL three times
 * during a 20,000-message QoS 1 stream and restarted each time. Every message
 * must come out; a message may come out twice only with the same output id.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import { publishThroughCrashes } from "./_crash_stream.ts";
import { startGatewayProcess, writeGatewayConfig } from "./_gateway_process.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

const TOTAL = 20_000;

// Lateness is a property of windows: with or without it, a map's records all arrive.
for (const latenessMs of [0, 2_000]) {
  Deno.test({
    name:
      `kill -9 three times during a 20,000-message QoS 1 stream (latenessMs ${latenessMs}): every message arrives, duplicates share an id` +
      MOSQUITTO_NOTE + modulesNote("temperature"),
    ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const broker = await startMosquitto();
      const dir = await Deno.makeTempDir({ prefix: "weir-crash-" });
      const config = await writeGatewayConfig(
        dir,
        `endpoints:
  local:
    url: ${broker.url}
    clientId: weir-crash-test
dataflows:
  convert:
    source: { endpoint: local, topics: ["in/#"] }
    graph: { file: ${join(ROOT, "graphs/temperature.yaml")} }
    timing: { latenessMs: ${latenessMs} }
    destination: { endpoint: local, topic: "out/converted" }
dataDir: ${join(dir, "data")}
logging: { level: warn }
`,
      );
      // The receiver: its own persistent session, so nothing is lost while it reads.
      const byId = new Map<string, string>();
      const values = new Set<number>();
      let received = 0;
      const sub = await mqtt.connectAsync(broker.url, {
        protocolVersion: 5,
        clientId: "crash-sub",
        clean: true,
      });
      sub.on("message", (_t, payload, packet) => {
        received++;
        const id = String(packet.properties?.userProperties?.["__weirId"] ?? "");
        const text = payload.toString();
        const before = byId.get(id);
        if (before !== undefined) {
          assert.equal(text, before, `duplicate id ${id} with another payload`);
        }
        byId.set(id, text);
        values.add(JSON.parse(text).temperature.value);
      });
      await sub.subscribeAsync("out/#", { qos: 1 });

      let gateway = await startGatewayProcess(config);
      const pub = await mqtt.connectAsync(broker.url, {
        protocolVersion: 5,
        clientId: "crash-pub",
      });
      try {
        await publishThroughCrashes({
          pub,
          topic: "in/sensor",
          total: TOTAL,
          crashAfter: [5_000, 10_000, 15_000],
          crash: async () => {
            assert.notEqual(await gateway.stop("SIGKILL"), 0);
            gateway = await startGatewayProcess(config);
          },
        });
        const deadline = Date.now() + 120_000;
        while (values.size < TOTAL && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
        }
        const missing = [...Array(TOTAL).keys()].filter((v) => !values.has(v));
        assert.deepEqual(
          missing.slice(0, 20),
          [],
          `${missing.length} messages never arrived; received ${received}`,
        );
        assert.equal(byId.size, TOTAL, "one output id per input message");
        assert.ok(received >= TOTAL);
      } finally {
        await pub.endAsync();
        await sub.endAsync();
        await gateway.stop("SIGTERM");
        await broker.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
