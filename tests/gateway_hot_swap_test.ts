/**
 * Hot swap under load: a 5,000 msg/s QoS 1 stream runs through the gateway
 * while a new graph version is deployed and then rolled back; every message
 * must come out exactly once, and both versions must have served.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Gateway } from "../src/gateway/mod.ts";
import { testGateway } from "./_gateway.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";
import { collect, steadyStream, until } from "./_stream.ts";

const GRAPH = join(ROOT, "graphs/temperature.yaml");

/** The same graph under another name: a "new version" whose operation names differ. */
async function secondVersion(): Promise<string> {
  const text = await Deno.readTextFile(GRAPH);
  return text.replaceAll("module-temperature/map", "module-temperature/map-v2");
}

async function withGateway(
  fn: (ctx: { url: string; gateway: Gateway }) => Promise<void>,
) {
  await using t = await testGateway({
    clientId: "weir-swap",
    dataflows: {
      flow: {
        source: { endpoint: "local", topics: ["in/#"] },
        graph: { file: GRAPH },
        destination: { endpoint: "local", topic: "out/swap" },
      },
    },
  });
  await fn({ url: t.url, gateway: t.gateway });
}

Deno.test({
  name: "a deploy and a rollback during a 5,000 msg/s QoS 1 stream lose and double nothing" +
    MOSQUITTO_NOTE + modulesNote("temperature"),
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withGateway(async ({ url, gateway }) => {
      // The stream runs until both versions have served and the rollback has a share too.
      const sentAt = new Map<number, number>();
      const out = await collect(url, "out/swap", sentAt);
      let rolledBackAt = Infinity;
      const stream = steadyStream(url, "in/sensor", {
        rate: 5_000,
        total: 200_000,
        sentAt,
        stop: () => sentAt.size >= Math.max(20_000, rolledBackAt + 5_000),
      });
      await until(() => sentAt.size > 5_000, 10_000);
      const deployed = await gateway.control.deploy("flow", { yaml: await secondVersion() });
      assert.equal(deployed.version.id, 2);
      assert.equal(deployed.version.origin, "upload");
      assert.ok(
        deployed.version.graph.operations.some((o) => o.name === "module-temperature/map-v2"),
      );
      // Let version 2 serve a good share before rolling back, however long the deploy took.
      await until(
        () => sentAt.size > 12_000 && (out.byVersion.get("v2") ?? 0) > 2_000,
        20_000,
      );
      const rolledBack = await gateway.control.rollback("flow");
      rolledBackAt = sentAt.size;
      assert.equal(rolledBack.version.id, 1, "the rollback serves version 1 again");
      const total = await stream;
      await until(() => out.counts.size === total, 20_000);
      await out.stop();

      const missing = [];
      const doubled = [];
      for (let i = 0; i < total; i++) {
        const n = out.counts.get(i) ?? 0;
        if (n === 0) missing.push(i);
        if (n > 1) doubled.push(i);
      }
      assert.deepEqual(missing.slice(0, 10), [], `${missing.length} messages lost`);
      assert.deepEqual(doubled.slice(0, 10), [], `${doubled.length} messages doubled`);
      for (const v of ["v1", "v2"]) {
        assert.ok((out.byVersion.get(v) ?? 0) > 1000, `version ${v} served: ${[...out.byVersion]}`);
      }
      const status = gateway.control.dataflow("flow")!;
      assert.equal(status.current?.id, 1);
      assert.equal(status.previous?.id, 2, "the version rolled back from is the next rollback");
      await until(() => gateway.control.dataflow("flow")!.draining === 0, 5_000);
      assert.equal(gateway.control.dataflow("flow")!.draining, 0, "old versions released");
    }),
});
