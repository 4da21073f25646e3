/**
 * A watched tag: the gateway re-reads the tag's digest on an interval and
 * hot-loads the graph when someone pushes a new one under the same tag.
 */
import assert from "node:assert/strict";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseConfig, startGateway } from "../src/gateway/mod.ts";
import { OciClient } from "../src/oci/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { modulePath, modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { REGISTRY_NOTE, withRegistry } from "./_registry.ts";
import { ROOT } from "./_samples.ts";
import { until } from "./_stream.ts";

const NOTE = REGISTRY_NOTE + MOSQUITTO_NOTE + modulesNote("temperature");

Deno.test({
  name: "a watched tag that moves is hot-loaded; an unchanged one is left alone" + NOTE,
  ignore: REGISTRY_NOTE !== "" || !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const host = registry.host;
      const ref = `${host}/watched-graph:stable`;
      const client = new OciClient({
        registries: [{ host, plainHttp: true }],
        cacheDir: join(dir, "push-cache"),
      });
      await copyFile(modulePath("temperature"), join(dir, "temperature.wasm"));
      await client.pushModule(join(dir, "temperature.wasm"), `${host}/temperature:1.0.0`);
      const text = await readFile(join(ROOT, "graphs/temperature.yaml"), "utf8");
      await writeFile(join(dir, "g1.yaml"), text);
      const first = await client.pushGraph(join(dir, "g1.yaml"), ref);

      const broker = await startMosquitto();
      const dataDir = await Deno.makeTempDir({ prefix: "weir-watch-" });
      const gateway = await startGateway({
        config: parseConfig(
          JSON.stringify({
            endpoints: { local: { url: broker.url, clientId: "weir-watch" } },
            registries: { local: { host, plainHttp: true } },
            dataflows: {
              flow: {
                source: { endpoint: "local", topics: ["in/#"] },
                graph: { ref, watchSeconds: 1 },
                destination: { endpoint: "local", topic: "out/watch" },
              },
            },
            dataDir,
          }),
          "watch",
        ),
        log: jsonLogger({ level: "error", write: () => {} }),
        modulesDir: join(dataDir, "none"),
        metricsPort: null,
      });
      try {
        const status = () => gateway.control.dataflow("flow")!;
        assert.equal(status().current?.digest, first.digest);
        assert.deepEqual(status().watch, { ref, intervalSeconds: 1 });
        await new Promise((r) => setTimeout(r, 2_500));
        assert.equal(status().current?.id, 1, "no redeploy while the tag stays");

        await writeFile(join(dir, "g2.yaml"), text.replaceAll("temperature/map", "temperature/m2"));
        const second = await client.pushGraph(join(dir, "g2.yaml"), ref);
        assert.notEqual(second.digest, first.digest);
        await until(() => status().current?.digest === second.digest, 10_000);
        assert.equal(status().current?.digest, second.digest, "the moved tag was hot-loaded");
        assert.equal(status().current?.id, 2);
        assert.ok(
          status().current?.graph.operations.some((o) => o.name === "module-temperature/m2"),
        );
      } finally {
        client.close();
        await gateway.stop();
        await broker.stop();
        await Deno.remove(dataDir, { recursive: true });
      }
    }),
});
