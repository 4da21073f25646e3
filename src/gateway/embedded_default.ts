/**
 * What `deno task start` runs with no configuration file: an embedded broker
 * on loopback, the sample temperature graph between `sensors/#` and
 * `processed/temperature`, and (unless switched off) a demo sensor.
 *
 * @module
 */
import type { GatewayConfig } from "../config/mod.ts";
import { parseConfig } from "./config_files.ts";
import {
  type DemoSensor,
  type EmbeddedBroker,
  startDemoSensor,
  startEmbeddedBroker,
} from "../connectors/mod.ts";

/** The configuration source name of the embedded default. */
export const EMBEDDED_SOURCE = "embedded default";

/** The embedded default's parts. */
export interface EmbeddedDefault {
  readonly broker: EmbeddedBroker;
  readonly config: GatewayConfig;
  readonly inputFilter: string;
  readonly outputTopic: string;
  /** Starts the demo sensor (after the gateway subscribed, so no reading is missed). */
  startDemo(): Promise<DemoSensor>;
}

/** Options for {@linkcode embeddedDefault}. */
export interface EmbeddedDefaultOptions {
  /** The sample graph file. */
  readonly graphFile: string;
  /** The data directory. */
  readonly dataDir: string;
  /** First broker port to try. @default 1883 */
  readonly port?: number;
}

/** Starts the embedded broker and builds the matching configuration. */
export async function embeddedDefault(options: EmbeddedDefaultOptions): Promise<EmbeddedDefault> {
  const broker = await startEmbeddedBroker({ port: options.port ?? 1883 });
  const inputFilter = "sensors/#";
  const outputTopic = "processed/temperature";
  // Written as configuration text so the same checks and defaults apply as to a user's file.
  const text = JSON.stringify({
    endpoints: { local: { url: broker.url, protocol: "3.1.1" } },
    // A registry a developer runs on this machine (`docker-registry`, `zot`, …) is trusted over
    // plain HTTP here, so the admin page can deploy from it at once; never beyond loopback.
    registries: { local: { host: "127.0.0.1:5000", plainHttp: true } },
    dataflows: {
      temperature: {
        source: { endpoint: "local", topics: [inputFilter] },
        graph: { file: options.graphFile },
        destination: { endpoint: "local", topic: outputTopic },
      },
    },
    dataDir: options.dataDir,
  });
  try {
    const config = parseConfig(text, EMBEDDED_SOURCE);
    return {
      broker,
      config,
      inputFilter,
      outputTopic,
      startDemo: () => startDemoSensor({ url: broker.url }),
    };
  } catch (error) {
    await broker.close();
    throw error;
  }
}
