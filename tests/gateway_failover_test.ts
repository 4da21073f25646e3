/**
 * Scale-out and fail-over: two gateway processes share one source through an
 * MQTT shared subscription (`sharedGroup`); each is killed with SIGKILL once
 * during a 20,000-message QoS 1 stream and restarted (as systemd's
 * Restart=on-failure does). Every message comes out; a message that comes out
 * twice carries the same `__weirId` both times, whichever gateway sent it.
 *
 * The broker (mosquitto) keeps a dead member's share of the group in its
 * session until it returns, so the restart is what delivers those.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import {
  type GatewayProcess,
  startGatewayProcess,
  writeGatewayConfig,
} from "./_gateway_process.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";
import { until } from "./_stream.ts";

const TOTAL = 20_000;

function configYaml(url: string, dir: string, member: string, latenessMs: number): string {
  return `endpoints:
  local: { url: "${url}", clientId: weir-${member} }
dataflows:
  convert:
    source: { endpoint: local, topics: ["in/#"], sharedGroup: weir }
    graph: { file: ${join(ROOT, "graphs/temperature.yaml")} }
    timing: { latenessMs: ${latenessMs} }
    destination: { endpoint: local, topic: "out/converted" }
dataDir: ${join(dir, member)}
logging: { level: warn }
`;
}

for (const latenessMs of [0, 2_000]) {
  Deno.test({
    name:
      `two gateways share a source; each killed -9 once mid-stream (latenessMs ${latenessMs}): nothing lost, duplicates share an id` +
      MOSQUITTO_NOTE + modulesNote("temperature"),
    ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const broker = await startMosquitto();
      const dir = await Deno.makeTempDir({ prefix: "weir-failover-" });
      const configs = {
        a: await writeGatewayConfig(
          await Deno.makeTempDir({ dir }),
          configYaml(broker.url, dir, "a", latenessMs),
        ),
        b: await writeGatewayConfig(
          await Deno.makeTempDir({ dir }),
          configYaml(broker.url, dir, "b", latenessMs),
        ),
      };
      const byId = new Map<string, string>();
      const values = new Set<number>();
      const ids = { duplicates: 0 };
      const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "fo-sub" });
      sub.on("message", (_t, payload, packet) => {
        const id = String(packet.properties?.userProperties?.["__weirId"] ?? "");
        const text = payload.toString();
        const before = byId.get(id);
        if (before !== undefined) {
          ids.duplicates++;
          assert.equal(text, before, `duplicate id ${id} with another payload`);
        }
        byId.set(id, text);
        values.add(JSON.parse(text).temperature.value);
      });
      await sub.subscribeAsync("out/#", { qos: 1 });
      const gateways: Record<"a" | "b", GatewayProcess> = {
        a: await startGatewayProcess(configs.a),
        b: await startGatewayProcess(configs.b),
      };
      const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "fo-pub" });
      try {
        const kills: Record<number, "a" | "b"> = { 5_000: "a", 12_000: "b" };
        for (let i = 0; i < TOTAL; i += 500) {
          const sends = [];
          for (let j = i; j < i + 500; j++) {
            sends.push(pub.publishAsync(
              "in/sensor",
              JSON.stringify({ temperature: { value: j, unit: "C" } }),
              { qos: 1, properties: { userProperties: { __ts: `${Date.now()}:${j}:dev` } } },
            ));
          }
          await Promise.all(sends);
          const member = kills[i + 500];
          if (member) {
            assert.notEqual(await gateways[member].stop("SIGKILL"), 0);
            // The other member keeps serving its share while this one is down.
            await new Promise((r) => setTimeout(r, 1_500));
            gateways[member] = await startGatewayProcess(configs[member]);
          }
        }
        await until(() => values.size === TOTAL, 120_000);
        const missing = [...Array(TOTAL).keys()].filter((v) => !values.has(v));
        assert.deepEqual(missing.slice(0, 20), [], `${missing.length} messages never arrived`);
        assert.equal(byId.size, TOTAL, "one output id per input message, from either gateway");
      } finally {
        await pub.endAsync();
        await sub.endAsync();
        await Promise.all([gateways.a.stop("SIGTERM"), gateways.b.stop("SIGTERM")]);
        await broker.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
