/**
 * The operator's day in a real browser on a real gateway: a bad message
 * shows in the dead letters with its topic and payload, and a replay after
 * the fix delivers it; an edge's records show when it is clicked; the
 * charts draw and move; the page and `/metrics` agree on the queue.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { formatHlc, type Hlc, parseHlc } from "../src/base/mod.ts";
import { ARTIFACTS, CHROMIUM_NOTE, driveAdminPage } from "./_browser.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE } from "./_mosquitto.ts";
import { fixedGraphYaml, withOperatorGateway } from "./_operator_gateway.ts";
import { until } from "./_stream.ts";

const NOTE = CHROMIUM_NOTE + MOSQUITTO_NOTE + modulesNote("temperature", "enrichment");

Deno.test({
  name:
    "admin page in Chromium on a real gateway: a dead letter replayed after a fix is delivered, an edge's records show, the charts move" +
    NOTE,
  ignore: NOTE !== "" || !HAS_MOSQUITTO || !modulesBuilt("temperature", "enrichment"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withOperatorGateway(async ({ admin, gateway, brokerUrl, publish, outputs }) => {
      const ts = `${Date.now()}:7:oven-3`;
      const stored = formatHlc(parseHlc(ts) as Hlc);
      await publish('{"temperature":{"value":212,"unit":"F"}}', ts);
      await until(() => gateway.control.deadLetters().total === 1, 15_000);

      const seen = await driveAdminPage(admin.url, admin.token, {
        WEIR_BROKER_URL: brokerUrl,
        WEIR_METRICS_URL: gateway.metricsUrl!,
        WEIR_FIXED_YAML: await fixedGraphYaml(),
      }, "tests/_browser_operator_driver.ts");

      // The dead letter, as the page showed it.
      const [seq, , dataflow, operation, reason, topic, payload] = seen.rowCells as string[];
      assert.match(seq!, /^#\d+$/);
      assert.equal(dataflow, "ovens");
      assert.equal(operation, "enrich");
      assert.match(reason!, /sensor_data/);
      assert.equal(topic, "sensors/oven-3");
      assert.equal(payload, '{"temperature":{"value":212,"unit":"F"}}');
      assert.equal(seen.cardDeadLetters, "1");
      assert.equal(seen.servedBefore, "the configuration file");
      assert.equal(seen.detailTopic, "sensors/oven-3");
      assert.equal(
        seen.detailPayload,
        JSON.stringify({ temperature: { value: 212, unit: "F" } }, null, 2),
      );
      assert.match(seen.detailProperties, /siteplant-7/);
      assert.match(seen.detailHex, /^00000000 {2}7b 22 74 65 6d 70/);

      // After the fix, the replay delivered it: original time and properties, in °C.
      assert.equal(seen.servedAfter, "a saved deployment");
      assert.match(seen.replayStatus, /^Replayed 1, handled 1$/);
      assert.equal(seen.countAfterReplay, "0");
      await until(() => outputs.some((o) => o.properties.__ts === stored), 10_000);
      const replayed = outputs.find((o) => o.properties.__ts === stored)!;
      assert.equal(JSON.parse(replayed.payload).temperature.value, 100);
      assert.equal(replayed.properties.site, "plant-7");

      // The tap showed records crossing the clicked edge, then the next one.
      assert.match(seen.tapSample, /sensors\/line-1/);
      assert.match(seen.tapSample, /site=plant-7/);
      assert.match(seen.tapSample, /"unit":"F"/);
      assert.ok(seen.tapCount >= 3);
      assert.match(seen.convertedSample, /"unit":"C"/, "after the map: converted");
      assert.equal(seen.firstTapClosed, true, "one tap per dataflow at a time");

      // The charts drew and moved.
      assert.ok(seen.chartsBefore.inked > 0, "the rates chart drew");
      assert.ok(
        seen.chartsAfter.points > seen.chartsBefore.points ||
          seen.chartsAfter.last > seen.chartsBefore.last,
        `the rates chart moved: ${JSON.stringify([seen.chartsBefore, seen.chartsAfter])}`,
      );
      assert.ok(seen.latencyChart.inked > 0 && seen.queueChart.inked > 0);
      assert.deepEqual(seen.chartCaptions, [
        "Records in per second: ovens",
        "End-to-end latency (ms)",
        "Queue",
      ]);

      // The page and /metrics agree.
      assert.deepEqual(
        { outputs: seen.pageQueue.outputs, deadLetters: seen.pageQueue.deadLetters },
        seen.metricsQueue,
      );
      assert.equal(seen.metricsQueue.deadLetters, 1);

      // The export is `weir graph test` input; the purge emptied the list.
      assert.equal(seen.exportName, "dead-letters-all.jsonl");
      const line = JSON.parse(seen.exportText.trim());
      assert.deepEqual(Object.keys(line).sort(), ["payload", "properties", "topic", "ts"]);
      assert.equal(line.payload, "not json");
      assert.equal(line.topic, "sensors/line-1");
      assert.match(seen.purgeStatus, /^Purged 1$/);
      assert.equal(gateway.control.deadLetters().total, 0);

      assert.ok(seen.phoneScrollWidth <= 390, `fits a phone: ${seen.phoneScrollWidth}`);
      assert.deepEqual(seen.problems, [], "no script errors or refused resources");
      assert.ok(existsSync(join(ARTIFACTS, "operator.png")));
    }),
});
