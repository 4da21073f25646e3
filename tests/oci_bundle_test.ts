/**
 * Offline bundles: export from a registry on 127.0.0.1, import into an
 * empty cache, and pull with the registry gone, as an air-gapped gateway
 * would; a damaged bundle is refused.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { OciClient, OciError } from "../src/oci/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { fakeWasm, REGISTRY_NOTE, withRegistry } from "./_registry.ts";

const GRAPH = `metadata: { name: "Bundled", version: "1.0.0" }
operations:
  - { operationType: "source", name: "source" }
  - { operationType: "map", name: "a", module: "celsius:1.0.0" }
  - { operationType: "filter", name: "b", module: "limits:2.0.0" }
  - { operationType: "sink", name: "sink" }
`;

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function run(command: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

async function tarList(file: string): Promise<string[]> {
  const out = await new Deno.Command("tar", { args: ["-tf", file], stdout: "piped" }).output();
  assert.ok(out.success);
  return new TextDecoder().decode(out.stdout).trim().split("\n");
}

Deno.test({
  name:
    "OciClient.exportBundle() then importBundle() into an empty cache lets pulls work with the registry stopped" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const h = registry.host;
      const celsius = fakeWasm(120_000, 3);
      const limits = fakeWasm(3_000, 4);
      await writeFile(join(dir, "celsius.wasm"), celsius);
      await writeFile(join(dir, "limits.wasm"), limits);
      await writeFile(join(dir, "graph.yaml"), GRAPH);
      const registries = [{ host: `${h}/site`, plainHttp: true }];
      const online = new OciClient({ registries, cacheDir: join(dir, "online-cache") });
      await online.pushModule(join(dir, "celsius.wasm"), `${h}/site/celsius:1.0.0`);
      await online.pushModule(join(dir, "limits.wasm"), `${h}/limits:2.0.0`);
      const graphPush = await online.pushGraph(join(dir, "graph.yaml"), `${h}/site/flow:1.0.0`);
      const tar = join(dir, "site.tar");
      const exported = await online.exportBundle([`${h}/site/flow:1.0.0`], tar);
      online.close();
      assert.deepEqual(exported.refs.map((r) => r.ref), [
        `${h}/site/flow:1.0.0`,
        `${h}/site/celsius:1.0.0`,
        `${h}/limits:2.0.0`,
      ]);
      assert.equal(exported.refs[0]!.digest, graphPush.digest);
      // 3 manifests, 3 configs (the graph's empty one, the modules' shared {}), 3 payloads.
      assert.equal(exported.blobs, 8);
      const listing = await tarList(tar);
      assert.deepEqual(listing.slice(0, 4), [
        "oci-layout",
        "index.json",
        "blobs/",
        "blobs/sha256/",
      ]);
      assert.ok(listing.includes(`blobs/sha256/${sha256(celsius).slice(7)}`));

      await registry.stop();
      const log: string[] = [];
      using offline = new OciClient({
        registries,
        cacheDir: join(dir, "air-gapped-cache"),
        log: jsonLogger({ write: (line) => log.push(JSON.parse(line).msg) }),
      });
      await assert.rejects(offline.pullGraph(`${h}/site/flow:1.0.0`), /not in the offline cache/);
      const imported = await offline.importBundle(tar);
      assert.deepEqual(
        imported.refs.map((r) => [r.ref, r.recorded]),
        exported.refs.map((r) => [r.ref, true]),
      );
      const graph = await offline.pullGraph(`${h}/site/flow:1.0.0`);
      assert.equal(graph.offline, true);
      assert.equal(await readFile(graph.path, "utf8"), GRAPH);
      assert.equal(graph.modules.get("celsius:1.0.0")?.blobDigest, sha256(celsius));
      assert.equal(graph.modules.get("limits:2.0.0")?.ref, `${h}/limits:2.0.0`);
      assert.deepEqual(
        new Uint8Array(await readFile(graph.modules.get("limits:2.0.0")!.path)),
        limits,
      );
      assert.ok(log.includes("registry unreachable; using the cached digest of the tag"));

      // The same layout repacked by GNU tar (pax headers, ./ prefixes) imports too.
      const extracted = join(dir, "extracted");
      await Deno.mkdir(extracted);
      await run("tar", "-xf", tar, "-C", extracted);
      const repacked = join(dir, "repacked.tar");
      await run("tar", "--format=posix", "-cf", repacked, "-C", extracted, ".");
      using other = new OciClient({ registries, cacheDir: join(dir, "third-cache") });
      const again = await other.importBundle(repacked);
      assert.equal(again.refs.length, 3);
      assert.equal((await other.pullModule(`${h}/site/celsius:1.0.0`)).blobDigest, sha256(celsius));
    }),
});

Deno.test({
  name: "OciClient.importBundle() refuses a bundle whose blob was altered, and records nothing" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const h = registry.host;
      const wasm = fakeWasm(10_000, 9);
      await writeFile(join(dir, "m.wasm"), wasm);
      using online = new OciClient({
        registries: [{ host: h, plainHttp: true }],
        cacheDir: join(dir, "a"),
      });
      await online.pushModule(join(dir, "m.wasm"), `${h}/m:1.0.0`);
      const tar = join(dir, "m.tar");
      await online.exportBundle([`${h}/m:1.0.0`], tar);
      const bytes = new Uint8Array(await readFile(tar));
      // Flip a byte inside the module's bytes (found by its custom section name).
      const at = bytes.findIndex((_, i) =>
        new TextDecoder().decode(bytes.subarray(i, i + 9)) === "weir-test"
      );
      assert.ok(at > 0);
      bytes[at + 100] = bytes[at + 100]! ^ 0xff;
      await writeFile(tar, bytes);
      await registry.stop();

      using offline = new OciClient({
        registries: [{ host: h, plainHttp: true }],
        cacheDir: join(dir, "b"),
      });
      await assert.rejects(offline.importBundle(tar), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "digest_mismatch");
        assert.ok(e.message.includes(`expected ${sha256(wasm)}`), e.message);
        return true;
      });
      await assert.rejects(offline.pullModule(`${h}/m:1.0.0`), /not in the offline cache/);
      await writeFile(join(dir, "junk.tar"), "not a tar file at all".repeat(40));
      await assert.rejects(offline.importBundle(join(dir, "junk.tar")), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "bad_bundle");
        return true;
      });
    }),
});

Deno.test({
  name: "weir bundle export and weir bundle import carry a module to an empty cache" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const h = registry.host;
      await writeFile(join(dir, "m.wasm"), fakeWasm(2_000));
      const a = ["--plain-http", "--cache", join(dir, "a")];
      assert.equal(
        await runCli(["push", "module", join(dir, "m.wasm"), `${h}/m:1.0.0`, ...a], memoryOutput()),
        0,
      );
      const tar = join(dir, "out.tar");
      const exported = memoryOutput();
      assert.equal(await runCli(["bundle", "export", tar, `${h}/m:1.0.0`, ...a], exported), 0);
      assert.equal(exported.lines[0], `exported 1 artifact(s), 3 blob(s) to ${tar}`);
      await registry.stop();
      const b = ["--cache", join(dir, "b")];
      const imported = memoryOutput();
      assert.equal(await runCli(["bundle", "import", tar, ...b], imported), 0);
      assert.match(
        imported.lines[0]!,
        new RegExp(`^imported ${h}/m:1\\.0\\.0 sha256:[a-f0-9]{64}$`),
      );
      const pulled = memoryOutput();
      assert.equal(
        await runCli(["pull", `${h}/m:1.0.0`, "--plain-http", ...b], pulled),
        0,
        pulled.errors.join("\n"),
      );
      assert.match(pulled.lines[0]!, /\(offline: from the cache\)$/);
    }),
});
