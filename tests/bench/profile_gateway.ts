// deno-lint-ignore-file no-console -- a bench script reports on standard output
/**
 * Where a gateway's CPU goes: runs a gateway process (the real runtime, the
 * `start` task's permissions) with V8's sampling profiler on, pushes N QoS 1
 * messages through a graph as fast as a 1,000-message window allows, and
 * leaves the V8 log to read with Node's `--prof-process`.
 *
 *   deno run -A tests/bench/profile_gateway.ts [graph.yaml|none] [N]
 *   node --prof-process /tmp/weir-gateway.v8.log > profile.txt
 *
 * @module
 */
import { join } from "node:path";
import mqtt from "mqtt";
import { startGatewayProcess, writeGatewayConfig } from "../_gateway_process.ts";
import { startMosquitto } from "../_mosquitto.ts";
import { ROOT } from "../_samples.ts";

const graph = Deno.args[0] ?? join(ROOT, "graphs/temperature.yaml");
const total = Number(Deno.args[1] ?? 60_000);
const LOG = Deno.env.get("WEIR_V8_LOG") ?? "/tmp/weir-gateway.v8.log";
const WINDOW = 1_000;

const broker = await startMosquitto();
const dir = await Deno.makeTempDir({ prefix: "weir-profile-" });
const config = await writeGatewayConfig(
  dir,
  `endpoints:
  local: { url: "${broker.url}", clientId: weir-profile }
dataflows:
  profiled:
    source: { endpoint: local, topics: ["in/#"] }
${
    graph === "none"
      ? ""
      : `    graph: { file: ${graph} }\n`
  }    destination: { endpoint: local, topic: "out/profiled" }
dataDir: ${join(dir, "data")}
logging: { level: error }
`,
);
const gateway = await startGatewayProcess(config, 60_000, [
  `--v8-flags=--prof,--logfile=${LOG},--no-logfile-per-isolate`,
]);
const sub = await mqtt.connectAsync(broker.url, {
  protocolVersion: 5,
  clientId: "profile-sub",
  properties: { receiveMaximum: 65_535 },
});
let received = 0;
sub.on("message", () => received++);
await sub.subscribeAsync("out/#", { qos: 1 });
const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: "profile-pub" });
const body = JSON.stringify({ temperature: { value: 70, unit: "F" } });
const started = performance.now();
for (let i = 0; i < total; i += WINDOW) {
  const sends = [];
  for (let j = i; j < Math.min(i + WINDOW, total); j++) {
    sends.push(pub.publishAsync("in/s", body, { qos: 1 }));
  }
  await Promise.all(sends);
}
while (received < total && performance.now() - started < 120_000) {
  await new Promise((r) => setTimeout(r, 50));
}
const seconds = (performance.now() - started) / 1000;
const status = await Deno.readTextFile(`/proc/${gateway.child.pid}/status`);
console.log(JSON.stringify({
  sent: total,
  received,
  msgPerS: Math.round(received / seconds),
  gatewayRssMiB: Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024),
  v8Log: LOG,
}));
await gateway.stop("SIGTERM");
await pub.endAsync();
await sub.endAsync();
await broker.stop();
await Deno.remove(dir, { recursive: true });
