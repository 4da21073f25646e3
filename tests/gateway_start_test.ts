import assert from "node:assert/strict";
import mqtt from "mqtt";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";
import { weirStartArgs } from "./_gateway_process.ts";

/** A free loopback port: bind to 0, read it, release it. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  marker: string,
  ms: number,
): Promise<string> {
  let text = "";
  const deadline = Date.now() + ms;
  while (!text.includes(marker)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`"${marker}" did not appear within ${ms} ms; output so far:\n${text}`);
    }
    const chunk = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((r) =>
        setTimeout(() => r({ done: true, value: undefined }), left)
      ),
    ]);
    if (chunk.done) throw new Error(`output ended before "${marker}":\n${text}`);
    text += chunk.value;
  }
  return text;
}

Deno.test({
  name:
    "deno task start: the embedded default converts demo temperatures and stops cleanly on SIGTERM" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const port = freePort();
    const dataDir = await Deno.makeTempDir({ prefix: "weir-start-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: weirStartArgs("--port", String(port), "--data-dir", dataDir),
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      const banner = await readUntil(reader, "Stop with Ctrl-C.", 60_000);
      assert.match(banner, new RegExp(`broker: +mqtt://127.0.0.1:${port}`));
      assert.match(banner, /input filter: sensors\/#/);
      assert.match(banner, /output topic: processed\/temperature/);
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4 });
      const got = new Promise<string>((resolve) =>
        client.on("message", (_t, p) => resolve(p.toString()))
      );
      await client.subscribeAsync("processed/temperature", { qos: 1 });
      const payload = JSON.parse(await got);
      assert.equal(payload.temperature.unit, "C");
      assert.ok(
        payload.temperature.value > 10 && payload.temperature.value < 50,
        JSON.stringify(payload),
      );
      await client.endAsync();
    } finally {
      child.kill("SIGTERM");
      const status = await child.status;
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
      assert.equal(status.code, 0, "a clean stop exits 0");
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
