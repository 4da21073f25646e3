/**
 * A gateway whose graph comes from a real registry, with its admin API: the
 * temperature module and graph v1 pushed with oras (as AIO users push), a v2
 * of the graph (its map renamed `module-temperature/map-v2`) pushed with
 * weir's own client, mosquitto, and a dataflow `flow` from `in/#` to
 * `out/e2e` that starts on v1 pulled from the registry.
 *
 * @module
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type AdminServer, startAdmin } from "../src/admin/mod.ts";
import { type Gateway, parseConfig, startGateway } from "../src/gateway/mod.ts";
import { OciClient } from "../src/oci/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { modulePath } from "./_modules.ts";
import { startMosquitto } from "./_mosquitto.ts";
import { orasPush, withRegistry } from "./_registry.ts";
import { ROOT } from "./_samples.ts";

/** What a test gets. */
export interface RegistryGateway {
  /** The registry, `127.0.0.1:<port>`. */
  readonly host: string;
  readonly brokerUrl: string;
  readonly gateway: Gateway;
  readonly admin: AdminServer;
  /** The two graph versions' references. */
  readonly v1: string;
  readonly v2: string;
}

/** Runs `body` with everything started; stops it all afterwards. */
export function withRegistryGateway(body: (ctx: RegistryGateway) => Promise<void>): Promise<void> {
  return withRegistry({}, async (registry, dir) => {
    const host = registry.host;
    const v1 = `${host}/temperature-graph:1.0.0`;
    const v2 = `${host}/temperature-graph:2.0.0`;
    await copyFile(modulePath("temperature"), join(dir, "temperature.wasm"));
    const graphText = await readFile(join(ROOT, "graphs/temperature.yaml"), "utf8");
    await writeFile(join(dir, "temperature-graph.yaml"), graphText);
    await orasPush(dir, `${host}/temperature:1.0.0`, "module", "temperature.wasm");
    await orasPush(dir, v1, "graph", "temperature-graph.yaml");
    await writeFile(
      join(dir, "v2.yaml"),
      graphText.replaceAll("module-temperature/map", "module-temperature/map-v2"),
    );
    const pusher = new OciClient({
      registries: [{ host, plainHttp: true }],
      cacheDir: join(dir, "push-cache"),
    });
    await pusher.pushGraph(join(dir, "v2.yaml"), v2);
    pusher.close();

    const broker = await startMosquitto();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-registry-gateway-" });
    const config = parseConfig(
      JSON.stringify({
        endpoints: { local: { url: broker.url, clientId: "weir-registry-gateway" } },
        registries: { local: { host, plainHttp: true } },
        dataflows: {
          flow: {
            source: { endpoint: "local", topics: ["in/#"] },
            graph: { ref: v1 },
            destination: { endpoint: "local", topic: "out/e2e" },
          },
        },
        dataDir,
      }),
      "registry-gateway",
    );
    const gateway = await startGateway({
      config,
      log: jsonLogger({ level: "error", write: () => {} }),
      // Nothing local: every module must come from the registry.
      modulesDir: join(dataDir, "no-local-modules"),
      metricsPort: null,
    });
    const admin = await startAdmin({ control: gateway.control, dataDir, port: 0 });
    try {
      await body({ host, brokerUrl: broker.url, gateway, admin, v1, v2 });
    } finally {
      await admin.stop();
      await gateway.stop();
      await broker.stop();
      await Deno.remove(dataDir, { recursive: true });
    }
  });
}
