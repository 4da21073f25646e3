/**
 * Dead letters an operator can act on, through the gateway's control: each
 * is kept with its time, topic, properties and payload; it can be listed
 * (filtered, a page at a time), shown, exported as `weir graph test` input,
 * replayed after a fix (it leaves only once handled) and purged; and the
 * counts agree everywhere (status, queue summary, `/metrics`).
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { formatHlc, type Hlc, type Message, parseHlc } from "../src/base/mod.ts";
import { parseInputLine } from "../src/gateway/mod.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE } from "./_mosquitto.ts";
import { fixedGraphYaml, withOperatorGateway } from "./_operator_gateway.ts";
import { until } from "./_stream.ts";

const NOTE = MOSQUITTO_NOTE + modulesNote("temperature", "enrichment");
const READING = '{"temperature":{"value":212,"unit":"F"}}';

Deno.test({
  name:
    "dead letters keep topic, properties, time and payload; list, show, export, replay after a fix, purge" +
    NOTE,
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature", "enrichment"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withOperatorGateway(async ({ gateway, publish, outputs }) => {
      const control = gateway.control;
      const ts = `${Date.now()}:4:oven-3`;
      const stored = formatHlc(parseHlc(ts) as Hlc); // as the gateway writes times
      await publish(READING, ts);
      await publish("not json at all", `${Date.now()}:5:oven-3`);
      await until(() => control.deadLetters().total === 2, 15_000);

      // Listed newest first, with everything needed to understand it.
      const page = control.deadLetters();
      assert.equal(page.total, 2);
      const [newest, reading] = page.deadLetters;
      assert.equal(newest!.preview?.text, "not json at all");
      assert.equal(reading!.dataflow, "ovens");
      assert.equal(reading!.operation, "enrich");
      assert.match(reading!.reason ?? "", /sensor_data/);
      assert.equal(reading!.topic, "sensors/oven-3");
      assert.equal(reading!.ts, stored);
      assert.equal(reading!.contentType, "application/json");
      assert.deepEqual(
        reading!.properties.filter(([k]) => k !== "__ts"),
        [["site", "plant-7"]],
      );
      assert.equal(reading!.payloadBytes, READING.length);
      assert.ok(reading!.replayable);
      assert.ok(!Number.isNaN(Date.parse(reading!.at)));

      // Pages, filters.
      const first = control.deadLetters({ limit: 1 });
      assert.equal(first.deadLetters.length, 1);
      const second = control.deadLetters({ limit: 1, before: first.next! });
      assert.equal(second.deadLetters[0]!.seq, reading!.seq);
      assert.equal(control.deadLetters({ operation: "enrich" }).total, 2);
      assert.equal(control.deadLetters({ operation: "nope" }).total, 0);
      const sensorData = page.deadLetters.filter((d) => /sensor_data/.test(d.reason ?? "")).length;
      assert.ok(sensorData >= 1);
      assert.equal(control.deadLetters({ reason: "SENSOR_DATA" }).total, sensorData, "any case");
      assert.equal(control.deadLetters({ dataflow: "elsewhere" }).total, 0);

      // Shown whole, as JSON, text or hex.
      const shown = control.deadLetter(reading!.seq)!;
      assert.equal(shown.preview?.as, "json");
      assert.equal(shown.preview?.text, JSON.stringify(JSON.parse(READING), null, 2));
      assert.equal(atob(shown.payloadBase64!), READING);
      assert.match(control.deadLetter(reading!.seq, "hex")!.preview!.text, /^00000000 {2}7b 22 74/);
      assert.equal(control.deadLetter(reading!.seq, "text")!.preview!.text, READING);

      // Counts agree: the dataflow, the queue summary and /metrics.
      assert.equal(control.dataflow("ovens")!.deadLetters, 2);
      assert.equal(control.queue().deadLetters.count, 2);
      assert.match(gateway.scrape(), /^weir_dead_letters_stored 2$/m);
      assert.equal(control.dataflow("ovens")!.queued, control.queue().outputs.count);

      // Exported as `weir graph test` input: the same record comes back.
      const lines = [...control.exportDeadLetters({ operation: "enrich" })];
      assert.equal(lines.length, 2);
      const back = parseInputLine(lines[0]!, "export", undefined);
      assert.equal(new TextDecoder().decode((back.data as Message).payload), READING);
      assert.equal(formatHlc(back.time), stored);
      assert.equal(new TextDecoder().decode((back.data as Message).topic), "sensors/oven-3");

      // Replay before the fix: it fails again, so it is dead-lettered anew and the old one goes.
      const again = await control.replayDeadLetters({ seqs: [reading!.seq] });
      assert.deepEqual({ replayed: again.replayed, handled: again.handled }, {
        replayed: 1,
        handled: 1,
      });
      assert.equal(control.deadLetter(reading!.seq), undefined);
      assert.equal(control.deadLetters().total, 2, "still a dead letter: the graph is still wrong");
      const renewed = control.deadLetters({ reason: "sensor_data" }).deadLetters.find((d) =>
        d.ts === stored
      )!;
      assert.ok(renewed.seq > reading!.seq);

      // The fix, then the replay delivers it with its original time and properties.
      await control.deploy("ovens", { yaml: await fixedGraphYaml() });
      const replayed = await control.replayDeadLetters({ seqs: [renewed.seq] });
      assert.equal(replayed.handled, 1);
      await until(() => outputs.length === 1, 10_000);
      assert.deepEqual(JSON.parse(outputs[0]!.payload).temperature, {
        value: 100,
        count: 0,
        max: 0,
        min: 0,
        average: 0,
        last: 0,
        unit: "C",
        overtemp: false,
      });
      assert.equal(outputs[0]!.properties.__ts, stored, "the original time");
      assert.equal(outputs[0]!.properties.site, "plant-7", "the original properties");
      assert.equal(control.deadLetters({ operation: "enrich" }).total, 1, "only the bad payload");

      // What holds no message cannot be replayed; purge clears the rest.
      assert.equal(control.purgeDeadLetters({ dataflow: "ovens", operation: "enrich" }), 1);
      assert.equal(control.deadLetters().total, 0);
      assert.equal(control.dataflow("ovens")!.deadLetters, 0);
      assert.match(gateway.scrape(), /^weir_dead_letters_stored 0$/m);
    }),
});

Deno.test({
  name: "a replay into a stopped dataflow is refused and the dead letter stays" + NOTE,
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature", "enrichment"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withOperatorGateway(async ({ gateway, publish }) => {
      const control = gateway.control;
      await publish(READING, `${Date.now()}:1:x`);
      await until(() => control.deadLetters().total === 1, 15_000);
      await control.stop("ovens");
      await assert.rejects(
        () => control.replayDeadLetters({ dataflow: "ovens" }),
        /Dataflow "ovens" is stopped; start it to replay/,
      );
      assert.equal(control.deadLetters().total, 1);
    }),
});

Deno.test({
  name: "deadLetter: { endpoint, topic } also publishes each dead letter; it stays in the gateway" +
    NOTE,
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature", "enrichment"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withOperatorGateway(async ({ brokerUrl, gateway, publish }) => {
      const alerts: Array<{ topic: string; body: Record<string, unknown> }> = [];
      const sub = await mqtt.connectAsync(brokerUrl, { protocolVersion: 5 });
      sub.on("message", (topic, payload) =>
        alerts.push({ topic, body: JSON.parse(String(payload)) }));
      await sub.subscribeAsync("alerts/#", { qos: 1 });
      try {
        await publish(READING, `${Date.now()}:1:oven-3`);
        await until(() =>
          alerts.length === 1, 15_000);
        assert.equal(alerts[0]!.topic, "alerts/sensors/oven-3");
        const body = alerts[0]!.body;
        assert.equal(body.operation, "enrich");
        assert.equal(body.topic, "sensors/oven-3");
        assert.equal(atob(String(body.payloadBase64)), READING);
        assert.equal(gateway.control.deadLetters().total, 1, "kept in the gateway as well");
        assert.equal(gateway.control.queue().outputs.count, 0, "the copy was delivered");
      } finally {
        await sub.endAsync();
      }
    }, { deadLetter: { endpoint: "local", topic: "alerts/${outputTopic}" } }),
});
