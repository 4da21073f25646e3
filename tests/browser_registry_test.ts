/**
 * The admin page on a real gateway, in Debian's Chromium: the newcomer signs
 * in with the token, sees the graph pulled from the local registry running,
 * deploys v2 from the registry by reference, watches its rates move, and rolls
 * back — while a sensor publishes, and with no message lost or doubled.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE } from "./_mosquitto.ts";
import { ORAS_NOTE } from "./_registry.ts";
import { withRegistryGateway } from "./_registry_gateway.ts";
import { ARTIFACTS, CHROMIUM_NOTE, driveAdminPage } from "./_browser.ts";
import { collect, steadyStream, until } from "./_stream.ts";

const NOTE = CHROMIUM_NOTE +
  ORAS_NOTE + MOSQUITTO_NOTE + modulesNote("temperature");

Deno.test({
  name:
    "admin page in Chromium on a real gateway: deploy from the registry, rates move, roll back" +
    NOTE,
  ignore: NOTE !== "" || !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withRegistryGateway(async ({ brokerUrl, admin, gateway, v2 }) => {
      // A sensor at 100 messages a second for 25 s, longer than the browser needs.
      const total = 100 * 25;
      const sentAt = new Map<number, number>();
      const out = await collect(brokerUrl, "out/e2e", sentAt);
      const sensor = steadyStream(brokerUrl, "in/sensor", { rate: 100, total, sentAt });
      const seen = await driveAdminPage(admin.url, admin.token, {
        WEIR_DATAFLOW: "flow",
        WEIR_DEPLOY_REF: v2,
        WEIR_NEW_OPERATION: "module-temperature/map-v2",
        WEIR_SHOT: "admin-registry",
      });

      assert.equal(seen.storedToken, admin.token);
      assert.equal(seen.graphNodes, 3, "source → map → sink drawn");
      assert.equal(seen.sourceLag, "", "an MQTT source has no lag to show");
      assert.ok(seen.sourceRate > 0, `source rate ${seen.sourceRate}`);
      assert.match(seen.versionBefore, /^v1 /);
      assert.match(seen.deployStatus, /^Deployed v2 .* in [0-9]+ ms; input paused [0-9.]+ ms$/);
      assert.ok(seen.statusLog.some((l: string) => l.startsWith("pull")), seen.statusLog);
      assert.match(seen.versionAfterDeploy, /^v2 /);
      assert.ok(seen.mapRate > 0, `the new version's map moves: ${seen.mapRate}`);
      assert.ok(seen.modules.some((m: string) => m.startsWith("temperature:1.0.0")));
      assert.match(seen.rollbackNote, /^Rolled back to v1 in [0-9]+ ms/);
      assert.match(seen.versionAfterRollback, /^v1 /);
      assert.equal(seen.stateAfterStop, "stopped");
      assert.deepEqual(seen.problems, [], "no script errors or refused resources");
      assert.ok(seen.phoneScrollWidth <= 390, `fits a phone: ${seen.phoneScrollWidth}`);
      assert.ok(existsSync(join(ARTIFACTS, "admin-registry.png")));
      const status = gateway.control.dataflow("flow")!;
      assert.equal(status.current?.id, 1);
      assert.equal(status.previous?.ref, v2);

      // Nothing lost or doubled across the deploy, rollback, stop and start.
      await sensor;
      await until(() => out.counts.size === total, 20_000);
      await out.stop();
      assert.equal(out.counts.size, total, "every message arrived");
      assert.ok([...out.counts.values()].every((n) => n === 1), "none doubled");
    }),
});
