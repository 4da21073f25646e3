/**
 * The gateway as a user starts it: `weir start --config <file>` on the real
 * Deno binary, with exactly the permissions of the `start` task in deno.json.
 *
 * @module
 */
import { join } from "node:path";
import { ROOT } from "../../_samples.ts";
import { type Running, spawnReady } from "./spawn.ts";

/** The graphs the bench runs through the gateway; `undefined` file = plain bridge. */
export const WEIR_GRAPHS: Readonly<Record<string, string | undefined>> = {
  bridge: undefined,
  map: join(ROOT, "graphs/temperature.yaml"),
  chain: join(ROOT, "tests/fixtures/graphs/temperature_chain.yaml"),
  window: join(ROOT, "graphs/window.yaml"),
};

/** The permission flags of `deno task start`, read from deno.json so they cannot drift. */
export function startTaskFlags(): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json"))).tasks;
  const command: string = typeof tasks.start === "string" ? tasks.start : tasks.start.command;
  // The task's words are shell words: quotes go, and $ROOT is the repository.
  const words = command.split(/\s+/).map((w) => w.replaceAll('"', "").replaceAll("$ROOT", ROOT));
  const main = words.findIndex((w) => w.endsWith("main.ts"));
  return words.slice(words.indexOf("run") + 1, main);
}

/** A gateway and the /metrics URL its banner printed. */
export interface WeirRunning extends Running {
  readonly metricsUrl: string;
}

/** Writes the configuration and starts the gateway; `graph` is a key of {@linkcode WEIR_GRAPHS}. */
export async function startWeir(
  brokerUrl: string,
  qos: 0 | 1,
  graph: string,
  dir: string,
): Promise<WeirRunning> {
  const file = WEIR_GRAPHS[graph];
  const config = join(dir, "gateway.yaml");
  // Clean sessions (sessionExpirySeconds 0): a stopped gateway must not leave a session
  // behind that makes the broker queue later cells' messages for nobody.
  await Deno.writeTextFile(
    config,
    `endpoints:
  local: { url: "${brokerUrl}", clientId: "bench-weir-${qos}-${graph}", qos: ${qos}, sessionExpirySeconds: 0 }
dataflows:
  bench:
    source: { endpoint: local, topics: ["bench/in"] }
${
      file === undefined
        ? ""
        : `    graph: { file: "${file}" }\n`
    }    destination: { endpoint: local, topic: "bench/out" }
dataDir: "${join(dir, "data")}"
logging: { level: warn }
`,
  );
  const running = await spawnReady(
    `weir (${graph}, QoS ${qos})`,
    Deno.execPath(),
    [
      "run",
      ...startTaskFlags(),
      join(ROOT, "main.ts"),
      "start",
      "--config",
      config,
      "--modules",
      join(ROOT, "modules/dist"),
      "--metrics-port",
      "0",
      "--admin-port",
      "0",
    ],
    (out) => out.includes("Stop with Ctrl-C."),
    { cwd: ROOT },
  );
  const metricsUrl = /metrics:\s+(\S+)/.exec(running.output())?.[1];
  if (metricsUrl === undefined) {
    await running.stop();
    throw new Error(`weir printed no metrics URL:\n${running.output()}`);
  }
  return { ...running, metricsUrl };
}
