import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startAdmin } from "../src/admin/mod.ts";
import { FakeControl } from "./_admin_fake_control.ts";
import { ARTIFACTS, CHROMIUM_NOTE, driveAdminPage } from "./_browser.ts";

Deno.test({
  name:
    "admin page in Chromium: sign in, see rates move, deploy with progress, roll back, fit a phone" +
    CHROMIUM_NOTE,
  ignore: CHROMIUM_NOTE !== "",
  fn: async () => {
    const control = new FakeControl({ phaseDelayMs: 250 });
    const ticking = setInterval(() => control.tick(7), 100);
    const dataDir = await Deno.makeTempDir({ prefix: "weir-browser-" });
    const admin = await startAdmin({ control, dataDir, port: 0 });
    try {
      const seen = await driveAdminPage(admin.url, admin.token, {
        WEIR_FAILING_YAML: "operations: invalid",
      });

      assert.equal(seen.wrongTokenAlert, "That token is not valid.");
      assert.equal(seen.storedToken, admin.token, "the token is kept in sessionStorage");
      assert.equal(seen.graphNodes, 5);
      assert.deepEqual([...seen.armLabels].sort(), ["False", "True"]);
      assert.ok(seen.sourceRate > 0, `source rate ${seen.sourceRate}`);
      assert.match(seen.graphRateLabel, /^[0-9.]+\/s$/);
      assert.match(seen.versionBefore, /^v1 · Ovens · configuration file$/);

      // Progress went through the phases before the result.
      const log: string[] = seen.statusLog;
      for (const phase of ["pull", "load", "init", "switch"]) {
        assert.ok(log.some((l) => l.startsWith(phase)), `phase ${phase} shown: ${log.join(" | ")}`);
      }
      assert.ok(log.some((l) => /^pull 2\.0 KiB of 2\.0 KiB/.test(l)), log.join(" | "));
      assert.match(
        seen.deployStatus,
        /^Deployed v2 \(Simple\) in [0-9]+ ms; input paused 2\.00 ms$/,
      );
      assert.equal(seen.progressValue, 5);
      assert.equal(seen.versionAfterDeploy, `v2 · Simple · ${"127.0.0.1:5000/graph-simple:1.0.0"}`);
      assert.equal(seen.newGraphNodes, 3);
      assert.ok(seen.mapRate > 0, `map rate ${seen.mapRate}`);
      assert.ok(seen.modules.some((m: string) => m.startsWith("temperature:1.0.0")));

      assert.match(seen.rollbackNote, /^Rolled back to v1 in [0-9]+ ms$/);
      assert.match(seen.versionAfterRollback, /^v1 · Ovens/);
      assert.equal(seen.rolledBackGraphNodes, 5);
      assert.equal(seen.stateAfterStop, "stopped");
      assert.match(seen.deadLetters, /ovensto-celsiusnot a number: hotsensors\/ovenhot/);
      assert.equal(seen.servedFrom, "the configuration file");
      assert.equal(seen.sourceLag, "42 records");
      assert.equal(seen.bridgeLagHidden, true, "a source that measures no lag shows no row");
      assert.deepEqual(
        seen.nodeNames,
        ["source", "module-temperature/map", "sink"],
        "operation names are shown whole",
      );
      assert.match(seen.failedDeployStatus, /^Deploy failed: Graph YAML is invalid/);
      assert.deepEqual(seen.failedProgress, { outcome: "failed", accent: "rgb(179, 38, 30)" });
      assert.ok(
        seen.phoneNarrowestModuleCell >= 150,
        `module cells are readable on a phone: ${seen.phoneNarrowestModuleCell} px`,
      );

      assert.ok(
        seen.phoneScrollWidth <= 390,
        `no horizontal scrolling at 390 px: ${seen.phoneScrollWidth} (${seen.phoneWideElements})`,
      );
      assert.equal(seen.tokenAfterSignOut, null);
      assert.deepEqual(seen.problems, [], "no script errors or refused resources");

      // What the page asked of the gateway.
      assert.ok(control.calls.includes(
        `deploy ovens ${JSON.stringify({ ref: "127.0.0.1:5000/graph-simple:1.0.0" })}`,
      ));
      assert.ok(control.calls.includes("rollback ovens"));
      assert.ok(control.calls.includes("stop ovens") && control.calls.includes("start ovens"));
      assert.ok(existsSync(join(ARTIFACTS, "admin.png")));
    } finally {
      clearInterval(ticking);
      await admin.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
