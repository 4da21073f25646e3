/**
 * The systems Weir is compared with: the bare relay (relay.ts, its own
 * process) and Benthos, built by the shared peers script. Both do only what
 * the gateway's "bridge" and "one map" graphs do.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Running, spawnReady } from "./spawn.ts";

/** The graphs the peers have an equivalent for. */
export const PEER_GRAPHS: readonly string[] = ["bridge", "map"];

/** Where the shared build script leaves Benthos. */
export const BENTHOS: string = Deno.env.get("BENTHOS") ??
  join(Deno.env.get("HOME") ?? "/root", ".cache/weir-peers/benthos");

/** True when Benthos has been built. */
export function hasBenthos(): boolean {
  return existsSync(BENTHOS);
}

/** Starts relay.ts on the same runtime as the bench, with network access to loopback only. */
export function startRelay(brokerUrl: string, qos: 0 | 1, graph: string): Promise<Running> {
  return spawnReady(
    `relay (${graph}, QoS ${qos})`,
    Deno.execPath(),
    [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-env",
      "--allow-read",
      new URL("./relay.ts", import.meta.url).pathname,
      brokerUrl,
      String(qos),
      graph,
    ],
    (out) => out.includes("ready"),
  );
}

/** The °F → °C mapping of graphs/temperature.yaml in Bloblang, dropping the pad as the module does. */
const MAPPING = `root = this
        root.temperature.value = (this.temperature.value - 32) * 5 / 9
        root.temperature.unit = "C"
        root.temperature.pad = deleted()`;

/** Starts Benthos with an MQTT in → (mapping) → MQTT out pipeline; ready once both ends are up. */
export async function startBenthos(
  brokerUrl: string,
  qos: 0 | 1,
  graph: string,
  dir: string,
): Promise<Running> {
  const url = brokerUrl.replace(/^mqtt:/, "tcp:");
  const config = join(dir, "benthos.yaml");
  await Deno.writeTextFile(
    config,
    `input:
  mqtt: { urls: ["${url}"], topics: ["bench/in"], client_id: "bench-benthos-in-${qos}-${graph}", qos: ${qos} }
pipeline:
  processors:${graph === "map" ? `\n    - mapping: |\n        ${MAPPING}` : " []"}
output:
  mqtt: { urls: ["${url}"], topic: "bench/out", client_id: "bench-benthos-out-${qos}-${graph}", qos: ${qos} }
http: { enabled: false }
logger: { level: INFO }
`,
  );
  return await spawnReady(
    `benthos (${graph}, QoS ${qos})`,
    BENTHOS,
    ["-c", config],
    (out) =>
      /Input type mqtt is now active/.test(out) && /Output type mqtt is now active/.test(out),
  );
}
