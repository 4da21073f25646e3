/**
 * `kill -HUP` on a running gateway (what `systemctl reload weir` sends):
 * the configuration file is read again and what changed is applied — a
 * dataflow's graph configuration as a hot load during a QoS 1 stream with
 * nothing lost or doubled, an added dataflow started, an invalid file
 * refused with the gateway running on — each reload said in one log line.
 * And the banner says what each dataflow serves and from where.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startGatewayProcess, writeGatewayConfig } from "./_gateway_process.ts";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { HAS_MOSQUITTO, MOSQUITTO_NOTE, startMosquitto } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";
import { collect, steadyStream, until } from "./_stream.ts";

function configYaml(broker: string, dir: string, value: string, extra = ""): string {
  return `endpoints: { local: { url: ${broker}, clientId: weir-reload } }
dataflows:
  convert:
    source: { endpoint: local, topics: ["in/#"] }
    graph: { file: ${join(ROOT, "graphs/temperature.yaml")} }
    configuration: { temperature_lower_bound: "${value}" }
    destination: { endpoint: local, topic: "out/reload" }
${extra}dataDir: ${join(dir, "data")}
logging: { level: info }
admin: { port: 0 }
`;
}

/** The JSON log lines with this message. */
function logLines(log: string, msg: string): Array<Record<string, unknown>> {
  return log.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    .filter((l) => l.msg === msg);
}

const NOTE = MOSQUITTO_NOTE + modulesNote("temperature");

Deno.test({
  name:
    "SIGHUP during a QoS 1 stream: a changed configuration is hot-loaded, nothing lost or doubled; added dataflows start; a bad file changes nothing" +
    NOTE,
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dir = await Deno.makeTempDir({ prefix: "weir-reload-" });
    const file = await writeGatewayConfig(dir, configYaml(broker.url, dir, "-40"));
    const gateway = await startGatewayProcess(file);
    const total = 2_000;
    const sentAt = new Map<number, number>();
    const out = await collect(broker.url, "out/reload", sentAt);
    try {
      const stream = steadyStream(broker.url, "in/sensor", { rate: 200, total, sentAt });
      await until(() => out.counts.size > 200, 20_000);

      // The graph's configuration changes: a hot load, as a deploy.
      await Deno.writeTextFile(file, configYaml(broker.url, dir, "-41"));
      gateway.child.kill("SIGHUP");
      await until(() => logLines(gateway.log(), "configuration reloaded").length === 1, 20_000);
      const [first] = logLines(gateway.log(), "configuration reloaded");
      assert.deepEqual(first!.redeployed, ["convert"], gateway.log().slice(-2000));
      assert.deepEqual([first!.added, first!.removed, first!.restarted], [[], [], []]);

      await stream;
      await until(() => out.counts.size === total, 30_000);
      assert.equal(out.counts.size, total, "every message arrived");
      assert.ok([...out.counts.values()].every((n) => n === 1), "none doubled");
      assert.ok((out.byVersion.get("v1") ?? 0) > 0, "the first version served before");
      assert.ok((out.byVersion.get("v2") ?? 0) > 0, `v2 serves after: ${[...out.byVersion]}`);
      const switched = logLines(gateway.log(), "graph version switched");
      assert.equal(switched.at(-1)!.version, 2);

      // A dataflow added: it starts.
      const mirror = `  mirror:
    source: { endpoint: local, topics: ["mirror/in"] }
    destination: { endpoint: local, topic: "mirror/out" }
`;
      await Deno.writeTextFile(file, configYaml(broker.url, dir, "-41", mirror));
      gateway.child.kill("SIGHUP");
      await until(() => logLines(gateway.log(), "configuration reloaded").length === 2, 20_000);
      assert.deepEqual(logLines(gateway.log(), "configuration reloaded")[1]!.added, ["mirror"]);

      // A broken file changes nothing and says why, at its line and column.
      await Deno.writeTextFile(file, "dataflows: [\n");
      gateway.child.kill("SIGHUP");
      await until(
        () =>
          logLines(gateway.log(), "configuration not reloaded; the gateway runs as it was")
            .length === 1,
        20_000,
      );
      const refused = logLines(
        gateway.log(),
        "configuration not reloaded; the gateway runs as it was",
      )[0]!;
      assert.match(String((refused.issues as string[])[0]), /gateway\.yaml:\d+:\d+: /);
      assert.equal(await gateway.stop("SIGTERM"), 0, "still running, stops cleanly");
    } finally {
      await out.stop();
      await gateway.stop("SIGKILL").catch(() => {});
      await broker.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "the banner says which version each dataflow serves and from where, saved deployments too" +
    NOTE,
  ignore: !HAS_MOSQUITTO || !modulesBuilt("temperature"),
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const broker = await startMosquitto();
    const dir = await Deno.makeTempDir({ prefix: "weir-banner-" });
    const file = await writeGatewayConfig(dir, configYaml(broker.url, dir, "-40"));
    try {
      const first = await startGatewayProcess(file);
      const banner = first.out();
      assert.match(
        banner,
        /^ {2}serving: {6}convert: v1 "Temperature conversion" \(the configuration's graph file\) from the configuration$/m,
      );
      // A deploy from the admin API (as the page does) is saved in the data directory.
      const admin = /admin page: +(\S+)/.exec(banner)![1]!;
      const token = (await Deno.readTextFile(join(dir, "data", "admin-token"))).trim();
      const yaml = await Deno.readTextFile(join(ROOT, "graphs/temperature.yaml"));
      const deployed = await fetch(`${admin}api/dataflows/convert/deploy`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ yaml }),
      });
      assert.equal(deployed.status, 200, await deployed.text());
      assert.equal(await first.stop("SIGTERM"), 0);

      const second = await startGatewayProcess(file);
      try {
        const again = second.out();
        assert.match(
          again,
          /^ {2}serving: {6}convert: v2 "Temperature conversion" \(uploaded YAML\) from a saved deployment$/m,
        );
        assert.match(
          again,
          new RegExp(`weir deployments reset convert --data-dir ${join(dir, "data")}`),
        );
      } finally {
        assert.equal(await second.stop("SIGTERM"), 0);
      }
    } finally {
      await broker.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
