/**
 * The newcomer's path end to end, with real services: graph and module pushed
 * to a Debian docker-registry (one with oras, as AIO users push, one with
 * weir's own client), a gateway that pulls its graph from there, and the admin
 * API deploying a new version and rolling back while a 5,000 msg/s QoS 1
 * stream runs — every message arrives exactly once.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { modulePath, modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE } from "./_mosquitto.ts";
import { ORAS_NOTE } from "./_registry.ts";
import { withRegistryGateway } from "./_registry_gateway.ts";
import { collect, steadyStream, until } from "./_stream.ts";

const NOTE = ORAS_NOTE + MOSQUITTO_NOTE + modulesNote("temperature");

Deno.test({
  name: "admin API: deploy from a registry and roll back under a 5,000 msg/s QoS 1 stream" + NOTE,
  ignore: ORAS_NOTE !== "" || !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withRegistryGateway(async ({ host, brokerUrl, admin }) => {
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(new URL(path, admin.url), {
          method,
          headers: {
            authorization: `Bearer ${admin.token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const json = await response.json();
        assert.equal(response.status, 200, JSON.stringify(json));
        return json;
      };
      {
        const before = await api("GET", "/api/dataflows/flow");
        assert.equal(before.current.origin, "oci");
        assert.equal(before.current.ref, `${host}/temperature-graph:1.0.0`);
        const wasm = await readFile(modulePath("temperature"));
        const wasmDigest = `sha256:${createHash("sha256").update(wasm).digest("hex")}`;
        const modules = await api("GET", "/api/modules");
        const temperature = modules.modules.find((m: { name: string }) => m.name === "temperature");
        assert.equal(temperature.digest, wasmDigest, "the module's digest is its bytes' sha256");
        assert.equal(temperature.pulledFrom, `${host}/temperature:1.0.0`);

        // The stream runs until both versions have served and the rollback has a share too.
        const sentAt = new Map<number, number>();
        const out = await collect(brokerUrl, "out/e2e", sentAt);
        let rolledBackAt = Infinity;
        const stream = steadyStream(brokerUrl, "in/sensor", {
          rate: 5_000,
          total: 200_000,
          sentAt,
          stop: () => sentAt.size >= Math.max(20_000, rolledBackAt + 5_000),
        });
        await until(() => sentAt.size > 5_000, 15_000);
        const deployed = await api("POST", "/api/dataflows/flow/deploy", {
          ref: `${host}/temperature-graph:2.0.0`,
        });
        assert.equal(deployed.version.id, 2);
        await until(
          () => sentAt.size > 12_000 && (out.byVersion.get("v2") ?? 0) > 2_000,
          20_000,
        );
        const rolledBack = await api("POST", "/api/dataflows/flow/rollback");
        rolledBackAt = sentAt.size;
        assert.equal(rolledBack.version.id, 1);
        const total = await stream;
        await until(() => out.counts.size === total, 30_000);
        await out.stop();

        let lost = 0;
        let doubled = 0;
        for (let i = 0; i < total; i++) {
          const n = out.counts.get(i) ?? 0;
          if (n === 0) lost++;
          if (n > 1) doubled++;
        }
        assert.equal(lost, 0, "no message lost");
        assert.equal(doubled, 0, "no message doubled");
        for (const v of ["v1", "v2"]) {
          assert.ok((out.byVersion.get(v) ?? 0) > 1000, `${v} served: ${[...out.byVersion]}`);
        }
        const after = await api("GET", "/api/dataflows/flow");
        assert.equal(after.current.id, 1);
        assert.equal(after.previous.id, 2);
        assert.equal(after.previous.ref, `${host}/temperature-graph:2.0.0`);
      }
    }),
});
