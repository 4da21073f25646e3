/**
 * The gateway's control surface against a real broker: a bad version never
 * replaces a good one, errors carry stable codes, a deploy survives a restart,
 * stop holds input without losing it, and the event feed sees it all.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import { WeirError } from "../src/base/mod.ts";
import { type GatewayConfig } from "../src/config/mod.ts";
import { type Gateway, parseConfig, startGateway } from "../src/gateway/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";
import { until } from "./_stream.ts";

const GRAPH = join(ROOT, "graphs/temperature.yaml");
const READING = '{"temperature":{"value":212,"unit":"F"}}';

function configFor(url: string, dataDir: string): GatewayConfig {
  return parseConfig(
    JSON.stringify({
      endpoints: { local: { url, clientId: "weir-control" } },
      dataflows: {
        flow: {
          source: { endpoint: "local", topics: ["in/#"] },
          graph: { file: GRAPH },
          destination: { endpoint: "local", topic: "out/control" },
        },
      },
      dataDir,
    }),
    "control",
  );
}

function start(config: GatewayConfig): Promise<Gateway> {
  return startGateway({
    config,
    log: jsonLogger({ level: "error", write: () => {} }),
    modulesDir: join(ROOT, "modules/dist"),
    metricsPort: null,
  });
}

async function rejectsWith(work: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof WeirError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

const IGNORE = !HAS_MOSQUITTO || !modulesBuilt("temperature");
const NOTE = MOSQUITTO_NOTE + modulesNote("temperature");

Deno.test({
  name: "control: bad versions are refused with codes and the serving version stays" + NOTE,
  ignore: IGNORE,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-control-" });
    const gateway = await start(configFor(broker.url, dataDir));
    try {
      const { control } = gateway;
      assert.equal(control.dataflows().length, 1);
      const before = control.dataflow("flow")!;
      assert.equal(before.state, "running");
      assert.equal(before.current?.id, 1);
      assert.equal(before.current?.origin, "config");
      assert.equal(before.current?.modules[0]?.name, "temperature");
      assert.match(before.current?.modules[0]?.digest ?? "", /^sha256:[0-9a-f]{64}$/);
      assert.deepEqual(before.current?.graph.connections.map((c) => `${c.from}>${c.to}`), [
        "source>module-temperature/map",
        "module-temperature/map>sink",
      ]);

      await rejectsWith(control.deploy("nope", { yaml: "x" }), "not_found", /No dataflow "nope"/);
      await rejectsWith(control.rollback("flow"), "conflict", /no previous version/);
      await rejectsWith(control.deploy("flow", { yaml: "operations: [" }), "graph_invalid", /./);
      const missingModule = (await Deno.readTextFile(GRAPH)).replace(
        "temperature:1.0.0",
        "no-such-module:1.0.0",
      );
      await rejectsWith(
        control.deploy("flow", { yaml: missingModule }),
        "module_invalid",
        /no-such-module/,
      );
      await rejectsWith(control.deploy("flow", {}), "usage", /reference, a graph YAML/);
      await rejectsWith(
        control.deploy("flow", { ref: "127.0.0.1:1/x:1" }),
        "registry",
        /Cannot reach registry "127\.0\.0\.1:1"/,
      );
      assert.equal(control.dataflow("flow")!.current?.id, 1, "version 1 still serves");
      assert.ok(
        control.recentEvents("deploy").some((e) => e.data.phase === "failed"),
        "failed deploys are in the feed",
      );

      // It still works end to end.
      const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      const got: string[] = [];
      sub.on("message", (_t, p) => got.push(p.toString()));
      await sub.subscribeAsync("out/control", { qos: 1 });
      const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      await pub.publishAsync("in/a", READING, { qos: 1 });
      await until(() => got.length === 1, 5_000);
      assert.match(got[0]!, /"value":100\.0,/);

      // Stop holds input; start lets it through; nothing is lost.
      await control.stop("flow");
      assert.equal(control.dataflow("flow")!.state, "stopped");
      await pub.publishAsync("in/a", READING, { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(got.length, 1, "nothing passes while stopped");
      await control.start("flow");
      await until(() => got.length === 2, 5_000);
      assert.equal(got.length, 2, "the held message passes after start");
      assert.deepEqual(
        control.recentEvents("state").map((e) => e.data.state),
        ["stopped", "running"],
      );
      await pub.endAsync();
      await sub.endAsync();
    } finally {
      await gateway.stop();
      await broker.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "control: a deployed version and its rollback target survive a restart" + NOTE,
  ignore: IGNORE,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-control-" });
    const config = configFor(broker.url, dataDir);
    const v2 = (await Deno.readTextFile(GRAPH)).replaceAll("temperature/map", "temperature/m2");
    try {
      let gateway = await start(config);
      const progress: string[] = [];
      const result = await gateway.control.deploy(
        "flow",
        { yaml: v2 },
        (p) => progress.push(p.phase),
      );
      assert.deepEqual(progress, ["load", "switch", "done"]);
      assert.ok(result.totalMs > 0 && result.switchMs >= 0);
      await gateway.stop();

      gateway = await start(config);
      const status = gateway.control.dataflow("flow")!;
      assert.equal(status.current?.id, 2, "the deployed version serves after a restart");
      assert.equal(status.current?.origin, "upload");
      assert.equal(status.previous?.id, 1);
      assert.equal(
        status.previous?.graphName,
        "Temperature conversion",
        "described while unloaded",
      );
      assert.equal(status.previous?.graph.operations.length, 3);
      assert.ok(status.current?.graph.operations.some((o) => o.name === "module-temperature/m2"));
      const back = await gateway.control.rollback("flow");
      assert.equal(back.version.id, 1);
      await gateway.stop();

      // A changed configuration file wins over the saved record.
      const edited = parseConfig(
        JSON.stringify({
          endpoints: { local: { url: broker.url, clientId: "weir-control" } },
          dataflows: {
            flow: {
              source: { endpoint: "local", topics: ["in/#", "more/#"] },
              graph: { file: GRAPH },
              destination: { endpoint: "local", topic: "out/control" },
            },
          },
          dataDir,
        }),
        "control",
      );
      gateway = await start(edited);
      assert.equal(gateway.control.dataflow("flow")!.current?.origin, "config");
      assert.equal(gateway.control.dataflow("flow")!.previous, undefined);
      await gateway.stop();
    } finally {
      await broker.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
