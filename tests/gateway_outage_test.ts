/**
 * Store and forward: the upstream broker is stopped for 30 s while the
 * sensors keep publishing to the local one. Outputs wait on disk (the queue
 * depth shows it) and replay in order once upstream is back. Bad payloads and
 * a failing module end in the dead-letter output; the gateway keeps running.
 */
import { until } from "./_wait.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import { startGatewayProcess, writeGatewayConfig } from "./_gateway_process.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

function gatewayYaml(
  local: string,
  upstream: string,
  dir: string,
  graph: string,
  latenessMs: number,
): string {
  return `endpoints:
  local:
    url: ${local}
    clientId: weir-outage-local
  upstream:
    url: ${upstream}
    clientId: weir-outage-upstream
dataflows:
  convert:
    source: { endpoint: local, topics: ["sensors/#"] }
    graph: { file: ${graph} }
    timing: { latenessMs: ${latenessMs} }
    destination: { endpoint: upstream, topic: "plant/converted" }
dataDir: ${join(dir, "data")}
logging: { level: warn }
`;
}

// Lateness is a property of windows: with or without it, a map's records all arrive.
for (const latenessMs of [0, 2_000]) {
  Deno.test({
    name:
      `upstream down for 30 s (latenessMs ${latenessMs}): outputs queue on disk and replay in order when it returns` +
      MOSQUITTO_NOTE +
      modulesNote("temperature"),
    ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const local = await startMosquitto();
      // Sessions survive the restart, so the test's subscriber misses nothing however the reconnects race.
      const upstream = await startMosquitto({ persistence: true });
      const dir = await Deno.makeTempDir({ prefix: "weir-outage-" });
      const config = await writeGatewayConfig(
        dir,
        gatewayYaml(
          local.url,
          upstream.url,
          dir,
          join(ROOT, "graphs/temperature.yaml"),
          latenessMs,
        ),
      );
      const gateway = await startGatewayProcess(config);
      const received: number[] = [];
      const sub = await mqtt.connectAsync(upstream.url, {
        protocolVersion: 5,
        reconnectPeriod: 100,
        clientId: `outage-sub-${latenessMs}`,
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
      });
      // The broker keeps the session over its restart, so it sends again (DUP set) what it had
      // delivered but not yet seen acknowledged when it stopped: at-least-once on the test's own
      // leg. Those are set aside; the gateway must neither lose nor double a reading.
      let redelivered = 0;
      sub.on("message", (_t, p, packet) => {
        const value = JSON.parse(p.toString()).temperature.value as number;
        if (packet.dup && received.includes(value)) redelivered++;
        else received.push(value);
      });
      await sub.subscribeAsync("plant/#", { qos: 1 });
      const pub = await mqtt.connectAsync(local.url, { protocolVersion: 5 });
      const send = (from: number, to: number) =>
        Promise.all(
          Array.from({ length: to - from }, (_, k) =>
            pub.publishAsync(
              "sensors/line-1",
              JSON.stringify({ temperature: { value: from + k, unit: "C" } }),
              {
                qos: 1,
                // Device clocks follow the wall clock; the counter keeps the order.
                properties: { userProperties: { __ts: `${Date.now()}:${from + k}:dev` } },
              },
            )),
        );
      try {
        await send(0, 100);
        await until(() => received.length >= 100, 20_000);
        assert.equal(received.length, 100, "before the outage everything arrives");
        // Upstream goes away for 30 s; the sensors keep publishing meanwhile.
        const outage = upstream.restart(30_000);
        await new Promise((r) => setTimeout(r, 1_000));
        for (let i = 100; i < 1_100; i += 100) {
          await send(i, i + 100);
          await new Promise((r) => setTimeout(r, 2_000));
        }
        assert.equal(received.length, 100, "nothing arrives while upstream is down");
        await outage;
        await until(() => received.length >= 1_100, 60_000);
        assert.equal(
          received.length,
          1_100,
          `${redelivered} redelivered\n${gateway.log().slice(-3000)}`,
        );
        assert.deepEqual(
          received,
          [...Array(1_100).keys()],
          "replayed in order, nothing lost or doubled",
        );
      } finally {
        await pub.endAsync();
        await sub.endAsync(true);
        await gateway.stop("SIGTERM");
        await local.stop();
        await upstream.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}

Deno.test({
  name: "bad payloads and a trapping module end in the dead-letter output; good messages flow" +
    MOSQUITTO_NOTE +
    modulesNote("temperature", "hostile-flaky"),
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature", "hostile-flaky"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dir = await Deno.makeTempDir({ prefix: "weir-bad-" });
    const graph = join(dir, "graph.yaml");
    // temperature map, then a filter that traps on every 2nd call.
    await Deno.writeTextFile(
      graph,
      `metadata: { $schema: "https://www.schemastore.org/aio-wasm-graph-config-1.0.0.json", name: bad, version: "1.0.0" }
moduleRequirements: { apiVersion: "1.1.0", runtimeVersion: "1.1.0" }
operations:
  - { operationType: source, name: source }
  - { operationType: map, name: convert, module: "temperature:1.0.0" }
  - { operationType: filter, name: flaky, module: "hostile-flaky:1.0.0" }
  - { operationType: sink, name: sink }
connections:
  - { from: { name: source }, to: { name: convert } }
  - { from: { name: convert }, to: { name: flaky } }
  - { from: { name: flaky }, to: { name: sink } }
`,
    );
    const config = await writeGatewayConfig(
      dir,
      `endpoints: { local: { url: ${broker.url}, clientId: weir-bad-test } }
dataflows:
  convert:
    source: { endpoint: local, topics: ["in/#"] }
    graph: { file: ${graph} }
    destination: { endpoint: local, topic: "out/t" }
dataDir: ${join(dir, "data")}
logging: { level: warn }
`,
    );
    const gateway = await startGatewayProcess(config);
    const out: string[] = [];
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    sub.on("message", (_t, p) => out.push(p.toString()));
    await sub.subscribeAsync("out/#", { qos: 1 });
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
    try {
      const payloads = [
        "not json",
        '{"temperature":{"value":10,"unit":"C"}}',
        "\u0000\u0001",
        '{"temperature":{"value":20,"unit":"C"}}',
        '{"temperature":{"value":30,"unit":"C"}}',
      ];
      for (const [i, p] of payloads.entries()) {
        await pub.publishAsync("in/x", p, {
          qos: 1,
          properties: { userProperties: { __ts: `${Date.now()}:${i}:d` } },
        });
      }
      const deadline = Date.now() + 20_000;
      while (out.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // 2 bad payloads fail in convert; of the 3 good ones the flaky filter traps on its 2nd call.
      assert.deepEqual(out.map((p) => JSON.parse(p).temperature.value), [10, 30]);
      assert.equal(gateway.child.pid > 0, true);
      // Three dead letters, counted by operation (the log says the first of each, then counts).
      const metrics = await (await fetch(/metrics: +(\S+)/.exec(gateway.out())![1]!)).text();
      const dead = (operation: string) =>
        Number(
          new RegExp(
            `^weir_dead_letters_total\\{[^}]*operation="${operation}"[^}]*\\} (\\d+)$`,
            "m",
          )
            .exec(metrics)?.[1] ?? 0,
        );
      assert.deepEqual({ convert: dead("convert"), flaky: dead("flaky") }, {
        convert: 2,
        flaky: 1,
      });
      const log = gateway.log();
      assert.match(log, /"operation":"convert","reason":"Failed to parse payload as JSON"/);
      assert.match(log, /"operation":"flaky","reason":"Module trapped/);
      assert.equal(
        (log.match(/record dead-lettered/g) ?? []).length,
        2,
        "one line per operation, not one per bad message",
      );
    } finally {
      await pub.endAsync();
      await sub.endAsync();
      assert.equal(await gateway.stop("SIGTERM"), 0, "still running, stops cleanly");
      await broker.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
