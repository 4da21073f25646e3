/**
 * Starting before the broker: the gateway comes up, serves the admin API and
 * `/metrics`, says which endpoint is down, and starts flowing once the broker
 * appears. A port already in use is one line naming the flag that changes it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import { startGatewayProcess, weirStartArgs, writeGatewayConfig } from "./_gateway_process.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { freePort, HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";
import { until } from "./_stream.ts";

function configYaml(port: number, dir: string): string {
  return `endpoints:
  local: { url: "mqtt://127.0.0.1:${port}", clientId: weir-no-broker }
dataflows:
  convert:
    source: { endpoint: local, topics: ["in/#"] }
    graph: { file: ${join(ROOT, "graphs/temperature.yaml")} }
    destination: { endpoint: local, topic: "out/converted" }
dataDir: ${join(dir, "data")}
logging: { level: warn }
`;
}

Deno.test({
  name: "the gateway starts while no broker listens, reports it, and flows once it appears" +
    MOSQUITTO_NOTE + modulesNote("temperature"),
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "weir-no-broker-" });
    const port = await freePort();
    const gateway = await startGatewayProcess(await writeGatewayConfig(dir, configYaml(port, dir)));
    let broker: Awaited<ReturnType<typeof startMosquitto>> | undefined;
    try {
      const banner = gateway.out();
      const admin = /admin page: +(http:\/\/\S+\/)/.exec(banner)?.[1];
      const metrics = /metrics: +(http:\/\/\S+)/.exec(banner)?.[1];
      assert.ok(admin && metrics, banner);
      await until(async () => (await health(admin)).endpointsDown.length === 1, 10_000);
      const down = await health(admin);
      assert.deepEqual(down, {
        status: "degraded",
        dataflows: 1,
        endpointsDown: ["local"],
        dataflowsFailed: [],
      });
      assert.match(await (await fetch(metrics)).text(), /weir_endpoint_up\{endpoint="local"\} 0/);

      broker = await startMosquitto({ port });
      const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      const out: string[] = [];
      sub.on("message", (_t, p) => out.push(p.toString()));
      await sub.subscribeAsync("out/#", { qos: 1 });
      const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
      // Publish until the gateway's (backed-off) reconnect has subscribed and converted one.
      await until(async () => {
        await pub.publishAsync(
          "in/oven",
          JSON.stringify({ temperature: { value: 212, unit: "F" } }),
          {
            qos: 1,
          },
        );
        return out.length > 0;
      }, 30_000);
      assert.ok(out.length > 0, gateway.log().slice(-2000));
      assert.equal(JSON.parse(out[0]!).temperature.value, 100);
      assert.equal((await health(admin)).status, "ok");
      assert.match(await (await fetch(metrics)).text(), /weir_endpoint_up\{endpoint="local"\} 1/);
      await pub.endAsync();
      await sub.endAsync();
      assert.equal(await gateway.stop("SIGTERM"), 0);
    } finally {
      await gateway.stop("SIGKILL");
      await broker?.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

async function health(admin: string) {
  return await (await fetch(new URL("api/health", admin))).json();
}

Deno.test({
  name: "a metrics port in use is one line naming the port and the flag, exit 1",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "weir-port-" });
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    try {
      const config = await writeGatewayConfig(dir, configYaml(await freePort(), dir));
      const result = await new Deno.Command(Deno.execPath(), {
        args: [...weirStartArgs("--config", config), "--metrics-port", String(port)],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const err = new TextDecoder().decode(result.stderr);
      assert.equal(result.code, 1, err);
      const lines = err.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("{"));
      assert.deepEqual(lines, [
        `weir start: Metrics port ${port} on 127.0.0.1 is in use; choose another with --metrics-port [port_in_use]`,
      ]);
    } finally {
      taken.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
