/**
 * A gateway in the test's process, on a throwaway mosquitto and data
 * directory, torn down with `await using`:
 *
 * ```ts
 * await using t = await testGateway({ dataflows: { flow: { source: …, destination: … } } });
 * t.gateway.control.dataflows();
 * ```
 *
 * The configuration is JSON for `parseConfig`, so the same checks and
 * defaults apply as to a user's file; `endpoints` default to one, `local`,
 * on the test broker.
 *
 * @module
 */
import { join } from "node:path";
import { type GatewayConfig } from "../src/config/mod.ts";
import {
  type Gateway,
  type GatewayOptions,
  parseConfig,
  startGateway,
} from "../src/gateway/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { type Mosquitto, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

/** Options for {@linkcode testGateway}. */
export interface TestGatewayOptions {
  /** The configuration's `dataflows`. */
  readonly dataflows: Record<string, unknown>;
  /** The configuration's `endpoints`, from the test broker's URL. @default one "local" endpoint */
  readonly endpoints?: (brokerUrl: string) => Record<string, unknown>;
  /** The client id of the default endpoint. @default "weir-test" */
  readonly clientId?: string;
  /** Other top-level configuration (registries, queue, …). */
  readonly config?: Record<string, unknown>;
  /** Gateway options beyond the configuration. */
  readonly options?: Partial<Omit<GatewayOptions, "config">>;
  /** A broker the test owns; one is started (and stopped) otherwise. */
  readonly broker?: Mosquitto;
}

/** A running test gateway. */
export interface TestGateway extends AsyncDisposable {
  readonly gateway: Gateway;
  readonly broker: Mosquitto;
  readonly url: string;
  readonly dataDir: string;
  readonly config: GatewayConfig;
}

/** Starts a gateway for a test. */
export async function testGateway(o: TestGatewayOptions): Promise<TestGateway> {
  const broker = o.broker ?? await startMosquitto();
  const dataDir = await Deno.makeTempDir({ prefix: "weir-test-gateway-" });
  try {
    const config = parseConfig(
      JSON.stringify({
        endpoints: o.endpoints?.(broker.url) ??
          { local: { url: broker.url, clientId: o.clientId ?? "weir-test" } },
        dataflows: o.dataflows,
        dataDir,
        ...o.config,
      }),
      "test",
    );
    const gateway = await startGateway({
      config,
      log: jsonLogger({ level: "error", write: () => {} }),
      modulesDir: join(ROOT, "modules/dist"),
      metricsPort: null,
      ...o.options,
    });
    return {
      gateway,
      broker,
      url: broker.url,
      dataDir,
      config,
      async [Symbol.asyncDispose]() {
        await gateway.stop();
        if (!o.broker) await broker.stop();
        await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    if (!o.broker) await broker.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    throw error;
  }
}
