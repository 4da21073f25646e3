/**
 * Errors and progress that used to mislead, each now one line that says what
 * happened and names the fix: HTTPS to a local registry that speaks plain
 * HTTP, push progress that showed the size of the wrong blob, pulls that
 * filled a cache the gateway never reads, and runtime warnings printed as
 * plain text into the JSON log.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { captureRuntimeWarnings, memoryOutput, ociCacheDir, runCli } from "../src/cli/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { modulePath, modulesBuilt, modulesNote } from "./_modules.ts";
import { REGISTRY_NOTE, startRegistry } from "./_registry.ts";

Deno.test("forgetting --plain-http for a local registry is one line that names the flag", async () => {
  // Any plain-HTTP server will do: the TLS handshake fails on its first answer.
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("{}"),
  );
  const dir = await Deno.makeTempDir({ prefix: "weir-plain-" });
  try {
    const ref = `127.0.0.1:${server.addr.port}/temperature:1.0.0`;
    for (const args of [["pull", ref], ["push", "graph", "graphs/temperature.yaml", ref]]) {
      const output = memoryOutput();
      const code = await runCli([...args, "--cache", join(dir, "cache")], output);
      assert.equal(code, 1, output.errors.join("\n"));
      const problems = output.errors.filter((l) => l.startsWith("weir "));
      assert.equal(problems.length, 1, output.errors.join("\n"));
      assert.match(problems[0]!, /it answers in plain HTTP: add --plain-http/);
      assert.match(problems[0]!, /plainHttp: true for it under registries/);
      assert.doesNotMatch(problems[0]!, /fetch failed/);
      assert.match(problems[0]!, / \[unreachable\]$/);
    }
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("weir pull and push fill the gateway's cache: <data dir>/oci, .weir by default like weir start", () => {
  assert.equal(ociCacheDir({}), resolve(".weir/oci"));
  assert.equal(ociCacheDir({ "data-dir": "/var/lib/weir" }), "/var/lib/weir/oci");
  assert.equal(ociCacheDir({}, "/srv/weir"), "/srv/weir/oci", "the dataDir of --config");
  assert.equal(ociCacheDir({ cache: "c", "data-dir": "/x" }), resolve("c"));
});

Deno.test({
  name:
    "weir push shows the module's size, and weir pull --data-dir lands in that gateway's cache" +
    REGISTRY_NOTE + modulesNote("temperature"),
  ignore: REGISTRY_NOTE !== "" || !modulesBuilt("temperature"),
  fn: async () => {
    const registry = await startRegistry();
    const dir = await Deno.makeTempDir({ prefix: "weir-push-size-" });
    try {
      const ref = `${registry.host}/temperature:1.0.0`;
      const size = (await Deno.stat(modulePath("temperature"))).size;
      const push = memoryOutput();
      const pushed = await runCli(
        [
          "push",
          "module",
          modulePath("temperature"),
          ref,
          "--plain-http",
          "--cache",
          join(dir, "c"),
        ],
        push,
      );
      assert.equal(pushed, 0, push.errors.join("\n"));
      const uploading = push.errors.filter((l) => l.startsWith("uploading "));
      assert.deepEqual(uploading, [`uploading ${ref} (${(size / 1024).toFixed(1)} KiB)`]);

      const gatewayDir = join(dir, "gateway-data");
      const pull = memoryOutput();
      assert.equal(
        await runCli(["pull", ref, "--plain-http", "--data-dir", gatewayDir], pull),
        0,
        pull.errors.join("\n"),
      );
      const path = pull.lines[0]!.split(" ")[3]!;
      assert.ok(path.startsWith(join(gatewayDir, "oci") + "/"), path);
      assert.ok(existsSync(path));
    } finally {
      await registry.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("runtime warnings become JSON log lines instead of plain text", () => {
  const lines: string[] = [];
  const restore = captureRuntimeWarnings(jsonLogger({ write: (l) => lines.push(l) }));
  try {
    assert.equal(process.listenerCount("warning"), 1, "the plain-text printer is off");
    process.emit(
      "warning",
      Object.assign(new Error("11 drain listeners added"), {
        name: "MaxListenersExceededWarning",
      }),
    );
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!);
    assert.equal(line.level, "warn");
    assert.equal(line.msg, "runtime warning");
    assert.equal(line.name, "MaxListenersExceededWarning");
    assert.equal(line.warning, "11 drain listeners added");
  } finally {
    restore();
  }
  assert.ok(process.listenerCount("warning") >= 1, "the default printer is back");
});
