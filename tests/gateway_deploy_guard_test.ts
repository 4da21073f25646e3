/**
 * What a deploy may do to the machine: an uploaded graph is checked before
 * anything is written and a refused one leaves nothing in the data directory;
 * a reference may name only a configured registry (or loopback).
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { WeirError } from "../src/base/mod.ts";
import { type GatewayConfig } from "../src/config/mod.ts";
import { type Gateway, parseConfig, startGateway } from "../src/gateway/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

const GRAPH = join(ROOT, "graphs/temperature.yaml");

/** The files under `dir`, relative to it; none when it does not exist. */
async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
}

function configFor(url: string, dataDir: string, extra: Record<string, unknown> = {}) {
  return parseConfig(
    JSON.stringify({
      endpoints: { local: { url, clientId: "weir-guard" } },
      registries: { plant: { host: "127.0.0.1:9/weir", plainHttp: true } },
      dataflows: {
        flow: {
          source: { endpoint: "local", topics: ["in/#"] },
          graph: { file: GRAPH },
          destination: { endpoint: "local", topic: "out/guard" },
        },
      },
      dataDir,
      ...extra,
    }),
    "guard",
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

async function refused(work: Promise<unknown>, code: string, pattern: RegExp): Promise<string> {
  let message = "";
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof WeirError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    message = error.message;
    return true;
  });
  return message;
}

const IGNORE = !HAS_MOSQUITTO || !modulesBuilt("temperature");
const NOTE = MOSQUITTO_NOTE + modulesNote("temperature");

Deno.test({
  name: "deploy: a refused upload writes nothing and names no path of the machine" + NOTE,
  ignore: IGNORE,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-guard-" });
    const gateway = await start(configFor(broker.url, dataDir));
    const graphs = join(dataDir, "graphs");
    try {
      const { control } = gateway;
      const syntax = await refused(
        control.deploy("flow", { yaml: "operations: [" }),
        "graph_invalid",
        /^Graph "uploaded graph" is invalid/,
      );
      assert.equal(syntax.includes(dataDir), false, syntax);
      await refused(
        control.deploy("flow", { yaml: "metadata: { name: x }\n" }),
        "graph_invalid",
        /^uploaded graph:1:1: /m,
      );
      assert.deepEqual(await filesIn(graphs), [], "nothing written for invalid graphs");

      // Valid YAML that fails later (a module that does not exist) is removed again.
      const good = await Deno.readTextFile(GRAPH);
      const missing = good.replace("temperature:1.0.0", "no-such-module:1.0.0");
      await refused(control.deploy("flow", { yaml: missing }), "module_invalid", /no-such-module/);
      assert.deepEqual(await filesIn(graphs), []);

      // A good upload is kept (it is the version a restart serves) ...
      const deployed = await control.deploy("flow", { yaml: good });
      assert.equal(deployed.version.origin, "upload");
      const kept = await filesIn(graphs);
      assert.equal(kept.length, 1);
      assert.equal(
        `sha256:${kept[0]!.slice("sha256-".length, -".yaml".length)}`,
        deployed.version.digest,
      );
      // ... and a failed deploy beside it removes only its own file.
      await refused(control.deploy("flow", { yaml: missing }), "module_invalid", /no-such-module/);
      assert.deepEqual(await filesIn(graphs), kept);
      // The same text again (new values) reuses its file.
      await control.deploy("flow", { yaml: good, configuration: { temperature_lower_bound: "0" } });
      assert.deepEqual(await filesIn(graphs), kept);
      assert.equal(control.dataflow("flow")!.current?.id, 3);
    } finally {
      await gateway.stop();
      await broker.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "deploy: a reference may name only a configured registry or loopback" + NOTE,
  ignore: IGNORE,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-guard-" });
    const gateway = await start(configFor(broker.url, dataDir));
    try {
      const { control } = gateway;
      await refused(
        control.deploy("flow", { ref: "registry.example.com/graphs/x:1", watchSeconds: 30 }),
        "usage",
        /names the registry "registry\.example\.com", which is not configured; expected "127\.0\.0\.1:9" or this machine \(add it under registries, or set allowAnyRegistry: true\)/,
      );
      // The configured registry and loopback are tried (and here unreachable).
      await refused(
        control.deploy("flow", { ref: "127.0.0.1:9/weir/x:1" }),
        "registry",
        /Cannot reach registry "127\.0\.0\.1:9"/,
      );
      await refused(
        control.deploy("flow", { ref: "localhost:9/x:1" }),
        "registry",
        /Cannot reach registry "localhost:9"/,
      );
      const status = control.dataflow("flow")!;
      assert.equal(status.current?.id, 1, "version 1 still serves");
      assert.equal(status.watch, undefined, "no watch was set up");
    } finally {
      await gateway.stop();
      await broker.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
