/**
 * Source, durable queue and sink together, the way the gateway chains them:
 * a QoS 1 message is acknowledged to its broker only once what came of it
 * is in the store-and-forward queue, and a queued message is deleted only
 * once the destination broker acknowledged it.
 */
import { until } from "./_wait.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { formatHlc, type Message } from "../src/base/mod.ts";
import {
  acquireMqttConnection,
  ConnectionPool,
  mqttEndpointSettings,
  MqttSink,
  MqttSource,
  OUTPUT_ID_PROPERTY,
  type SourceBatch,
} from "../src/connectors/mod.ts";
import type { Rec } from "../src/engine/mod.ts";
import { OutboundQueue } from "../src/store/mod.ts";
import { silentLogger } from "../src/telemetry/mod.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Waits for `condition`, failing the test with `what` on a timeout. */
function waitFor(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  return until(condition, ms, what);
}

Deno.test({
  name:
    `store and forward: inputs are acknowledged once queued, outputs leave the queue once the destination has them${MOSQUITTO_NOTE}`,
  ignore: !HAS_MOSQUITTO,
  fn: async () => {
    const plant = await startMosquitto();
    const cloud = await startMosquitto();
    const dir = await Deno.makeTempDir({ prefix: "weir-forward-" });
    const pool = new ConnectionPool();
    const queue = OutboundQueue.open(join(dir, "outbound.db"), {
      maxBytes: 1 << 20,
      maxAgeSeconds: 3600,
    });
    const lease = (name: string, url: string) =>
      acquireMqttConnection(pool, name, mqttEndpointSettings(name, { url }), {
        logger: silentLogger,
        reconnectPeriodMs: 100,
      });
    try {
      // Destination side: a sink to the cloud broker, and a consumer there to check what arrives.
      const sink = new MqttSink(lease("cloud", cloud.url), {
        topic: "site-7/${outputTopic}",
        logger: silentLogger,
      });
      const outputId = (r: Rec) => `bridge/source/${formatHlc(r.time)}`;

      // Source side: each batch goes into the queue, and only then is it acknowledged.
      const plantLease = lease("plant", plant.url);
      const source = new MqttSource(plantLease, { topics: ["sensors/#"], logger: silentLogger });
      await source.start((batch: SourceBatch) => {
        queue.append(batch.records.map((r) => ({
          destination: "cloud",
          id: outputId(r),
          ...sink.encode(r, outputId(r)),
        })));
        batch.ackAll();
      });

      // The cloud broker goes away for a while; the plant keeps publishing.
      const outage = cloud.restart(1000);
      const publisher = new MqttSink(lease("sensor", plant.url), {
        topic: "sensors/oven",
        logger: silentLogger,
      });
      await publisher.send(Array.from({ length: 50 }, (_, i) => ({
        topic: "sensors/oven",
        payload: encoder.encode(String(i)),
        properties: { contentType: "text/plain", userProperties: [] },
      })));
      await waitFor("fifty queued", () => queue.depth() === 50);
      assert.equal(plantLease.value.unacknowledged, 0, "all acknowledged to the plant broker");
      await outage;

      // Forward: peek, publish (resolves on PUBACK), ack; the consumer gets everything, once.
      const received: Message[] = [];
      const consumer = new MqttSource(lease("consumer", cloud.url), {
        topics: ["site-7/#"],
        logger: silentLogger,
      });
      await consumer.start((batch) => {
        received.push(...batch.records.map((r) => r.data as Message));
        batch.ackAll();
      });
      await sink.connection.whenConnected();
      for (let rows = queue.peek(16); rows.length > 0; rows = queue.peek(16)) {
        await sink.send(rows);
        queue.ack(rows.map((r) => r.seq));
      }
      assert.equal(queue.depth(), 0);
      await waitFor("fifty delivered", () => received.length === 50);
      assert.deepEqual(received.map((m) => decoder.decode(m.payload)), [
        ...Array.from({ length: 50 }, (_, i) => String(i)),
      ]);
      assert.ok(received.every((m) => decoder.decode(m.topic) === "site-7/sensors/oven"));
      const ids = received.map((m) =>
        m.userProperties.find(([k]) => k === OUTPUT_ID_PROPERTY)?.[1]
      );
      assert.equal(new Set(ids).size, 50, "each output carries its own id");
      assert.ok(ids.every((id) => id?.startsWith("bridge/source/")));
      await Promise.all([source.close(), consumer.close(), sink.close(), publisher.close()]);
    } finally {
      queue.close();
      await pool.close();
      await Promise.all([plant.stop(), cloud.stop()]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
