/**
 * Pulling from a real registry (Debian's docker-registry on 127.0.0.1) what
 * `oras` pushed in every packaging variant AIO has used (docs/aio-compatibility.md, "Packaging"),
 * plus Docker v2 manifests and single-entry indexes; digests, tampering,
 * moved tags and the offline fallback.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OciClient, OciError } from "../src/oci/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import {
  fakeWasm,
  oras,
  ORAS_NOTE,
  orasPush,
  REGISTRY_NOTE,
  type TestRegistry,
  withRegistry,
} from "./_registry.ts";

const GRAPH_YAML = `metadata:
  name: "Variant graph"
  version: "1.0.0"
moduleRequirements:
  apiVersion: "1.1.0"
  runtimeVersion: "1.1.0"
operations:
  - { operationType: "source", name: "source" }
  - { operationType: "map", name: "m", module: "mod-a:1.0.0" }
  - { operationType: "sink", name: "sink" }
connections:
  - { from: { name: "source" }, to: { name: "m" } }
  - { from: { name: "m" }, to: { name: "sink" } }
`;

/** Pushes a hand-made manifest (Docker v2, an index) with oras. */
async function pushManifest(
  dir: string,
  ref: string,
  manifest: { mediaType: string },
): Promise<void> {
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await oras(
    dir,
    "manifest",
    "push",
    "--plain-http",
    "--media-type",
    manifest.mediaType,
    ref,
    "manifest.json",
  );
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

interface Fixture {
  registry: TestRegistry;
  dir: string;
  wasm: Uint8Array;
  client(options?: { log?: string[] }): OciClient;
  cacheDir: string;
}

/** A registry, a work folder with a module and a graph, and a client on a fresh cache. */
function withFixture(run: (f: Fixture) => Promise<void>): Promise<void> {
  return withRegistry({}, async (registry, dir) => {
    const cacheDir = join(dir, "cache");
    const wasm = fakeWasm(200_000);
    await writeFile(join(dir, "temperature.wasm"), wasm);
    await writeFile(join(dir, "graph.yaml"), GRAPH_YAML);
    const clients: OciClient[] = [];
    try {
      await run({
        registry,
        dir,
        wasm,
        cacheDir,
        client: (options = {}) => {
          const client = new OciClient({
            registries: [{ host: registry.host, plainHttp: true }],
            cacheDir,
            ...(options.log
              ? { log: jsonLogger({ level: "debug", write: (l) => options.log!.push(l) }) }
              : {}),
          });
          clients.push(client);
          return client;
        },
      });
    } finally {
      clients.forEach((c) => c.close());
    }
  });
}

Deno.test("fakeWasm() makes a valid WebAssembly module", () => {
  assert.ok(WebAssembly.validate(fakeWasm(1000) as Uint8Array<ArrayBuffer>));
});

Deno.test({
  name:
    "OciClient.pullModule() reads every module variant oras pushes (docs/aio-compatibility.md)" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, dir, wasm, client }) => {
      const h = registry.host;
      await orasPush(dir, `${h}/mod-a:1.0.0`, "module", "temperature.wasm");
      await orasPush(dir, `${h}/mod-b:1.0.0`, "moduleWasmLayer", "temperature.wasm");
      await orasPush(dir, `${h}/mod-c:1.0.0`, "moduleWasmConfig", "temperature.wasm");
      const oci = client();
      for (
        const [repo, mediaType] of [
          ["mod-a", "application/wasm"],
          ["mod-b", "application/vnd.wasm.content.layer.v1+wasm"],
          ["mod-c", "application/vnd.wasm.content.layer.v1+wasm"],
        ]
      ) {
        const pulled = await oci.pullModule(`${h}/${repo}:1.0.0`);
        assert.equal(pulled.ref, `${h}/${repo}:1.0.0`);
        assert.equal(pulled.mediaType, mediaType);
        assert.equal(pulled.blobDigest, sha256(wasm));
        assert.equal(pulled.size, wasm.length);
        assert.equal(pulled.offline, false);
        assert.deepEqual(new Uint8Array(await readFile(pulled.path)), wasm);
        const fetched = await oras(dir, "manifest", "fetch", "--plain-http", `${h}/${repo}:1.0.0`);
        assert.equal(pulled.digest, sha256(new TextEncoder().encode(fetched.trim())));
      }
    }),
});

Deno.test({
  name:
    "OciClient.pullGraph() reads the graph variants oras pushes, the anonymous workaround included" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, dir, client }) => {
      const h = registry.host;
      await orasPush(dir, `${h}/graph-a:1.0.0`, "graph", "graph.yaml");
      await orasPush(dir, `${h}/graph-b:1.0.0`, "graphWasmConfig", "graph.yaml");
      const oci = client();
      for (const repo of ["graph-a", "graph-b"]) {
        const graph = await oci.pullGraph(`${h}/${repo}:1.0.0`, { moduleRefs: [] });
        assert.equal(await readFile(graph.path, "utf8"), GRAPH_YAML);
        assert.equal(graph.modules.size, 0);
      }
      // A module pull of a graph artifact says what it found instead.
      await assert.rejects(oci.pullModule(`${h}/graph-a:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "bad_artifact");
        assert.match(e.message, /graph-a:1\.0\.0" has layers of type "application\/yaml"/);
        return true;
      });
      // And a graph pull of a module artifact whose layer holds WebAssembly refuses it.
      await orasPush(dir, `${h}/mod-b:1.0.0`, "moduleWasmLayer", "temperature.wasm");
      await assert.rejects(
        oci.pullGraph(`${h}/mod-b:1.0.0`, { moduleRefs: [] }),
        /has no graph YAML layer/,
      );
    }),
});

Deno.test({
  name:
    "OciClient.pullModule() reads Docker v2 manifests (sniffing \\0asm) and single-entry indexes" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, dir, wasm, client }) => {
      const h = registry.host;
      const config = new TextEncoder().encode("{}");
      await writeFile(join(dir, "config.json"), config);
      await oras(dir, "blob", "push", "--plain-http", `${h}/docker-mod`, "config.json");
      await oras(dir, "blob", "push", "--plain-http", `${h}/docker-mod`, "temperature.wasm");
      const docker = {
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: {
          mediaType: "application/vnd.docker.container.image.v1+json",
          digest: sha256(config),
          size: config.length,
        },
        layers: [{
          mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
          digest: sha256(wasm),
          size: wasm.length,
        }],
      };
      await pushManifest(dir, `${h}/docker-mod:1.0.0`, docker);
      const oci = client();
      const pulled = await oci.pullModule(`${h}/docker-mod:1.0.0`);
      assert.equal(pulled.blobDigest, sha256(wasm));
      assert.deepEqual(new Uint8Array(await readFile(pulled.path)), wasm);

      // An OCI index with one entry, pointing at an oras-pushed module manifest.
      const inner = await orasPush(dir, `${h}/indexed:inner`, "module", "temperature.wasm");
      const innerBytes = await oras(dir, "manifest", "fetch", "--plain-http", `${h}/indexed:inner`);
      const index = {
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [{
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: inner,
          size: new TextEncoder().encode(innerBytes.trim()).length,
        }],
      };
      await pushManifest(dir, `${h}/indexed:1.0.0`, index);
      const viaIndex = await oci.pullModule(`${h}/indexed:1.0.0`);
      assert.equal(viaIndex.digest, sha256(new TextEncoder().encode(JSON.stringify(index))));
      assert.equal(viaIndex.blobDigest, sha256(wasm));
    }),
});

Deno.test({
  name: "OciClient.pullModule() by digest verifies the manifest and then needs no registry" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, dir, wasm, client }) => {
      const h = registry.host;
      const digest = await orasPush(dir, `${h}/pinned:1.0.0`, "bare", "temperature.wasm");
      const oci = client();
      const pulled = await oci.pullModule(`${h}/pinned@${digest}`);
      assert.equal(pulled.digest, digest);
      assert.equal(pulled.ref, `${h}/pinned@${digest}`);
      assert.deepEqual(new Uint8Array(await readFile(pulled.path)), wasm);
      const missing = `sha256:${"0".repeat(64)}`;
      await assert.rejects(oci.pullModule(`${h}/pinned@${missing}`), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "not_found");
        return true;
      });
      await registry.stop();
      // Content-addressed: a pinned digest already cached is served without asking anyone.
      const again = await oci.pullModule(`${h}/pinned@${digest}`);
      assert.equal(again.path, pulled.path);
      assert.equal(again.offline, false);
    }),
});

Deno.test({
  name:
    "OciClient.pullModule() refuses a tampered blob, naming ref and digests, and caches nothing" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, dir, wasm, client, cacheDir }) => {
      const h = registry.host;
      await orasPush(dir, `${h}/tampered:1.0.0`, "bare", "temperature.wasm");
      const blobFile = registry.blobFile(sha256(wasm));
      const bytes = new Uint8Array(await readFile(blobFile));
      bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
      await writeFile(blobFile, bytes);
      const oci = client();
      await assert.rejects(oci.pullModule(`${h}/tampered:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "digest_mismatch");
        assert.equal(e.code, "module_invalid");
        assert.ok(e.message.includes(`"${h}/tampered:1.0.0"`), e.message);
        assert.ok(e.message.includes(`expected ${sha256(wasm)}`), e.message);
        assert.ok(e.message.includes(`digest ${sha256(bytes)}`), e.message);
        return true;
      });
      assert.deepEqual(await filesUnder(cacheDir), []);
    }),
});

Deno.test({
  name: "OciClient.resolveDigest() follows a moved tag; pullModule() then gets the new content" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, dir, client }) => {
      const h = registry.host;
      const oci = client();
      const d1 = await orasPush(dir, `${h}/moving:1.0.0`, "bare", "temperature.wasm");
      assert.equal(await oci.resolveDigest(`${h}/moving:1.0.0`), d1);
      const p1 = await oci.pullModule(`${h}/moving:1.0.0`);
      assert.equal(p1.digest, d1);
      const other = fakeWasm(5000, 7);
      await writeFile(join(dir, "temperature.wasm"), other);
      const d2 = await orasPush(dir, `${h}/moving:1.0.0`, "bare", "temperature.wasm");
      assert.notEqual(d1, d2);
      assert.equal(await oci.resolveDigest(`${h}/moving:1.0.0`), d2);
      const p2 = await oci.pullModule(`${h}/moving:1.0.0`);
      assert.equal(p2.digest, d2);
      assert.deepEqual(new Uint8Array(await readFile(p2.path)), other);
    }),
});

Deno.test({
  name:
    "OciClient.pullModule() resolves a pulled tag from the cache when the registry is gone, with a warning" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, dir, wasm, client }) => {
      const h = registry.host;
      await orasPush(dir, `${h}/offline:1.0.0`, "bare", "temperature.wasm");
      const log: string[] = [];
      const oci = client({ log });
      const online = await oci.pullModule(`${h}/offline:1.0.0`);
      await registry.stop();
      const offline = await oci.pullModule(`${h}/offline:1.0.0`);
      assert.equal(offline.offline, true);
      assert.equal(offline.digest, online.digest);
      assert.equal(offline.path, online.path);
      assert.deepEqual(new Uint8Array(await readFile(offline.path)), wasm);
      const warning = log.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
      assert.equal(warning?.msg, "registry unreachable; using the cached digest of the tag");
      assert.equal(warning?.ref, `${h}/offline:1.0.0`);
      // A tag never pulled has nothing to fall back on.
      await assert.rejects(oci.pullModule(`${h}/offline:2.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "unreachable");
        assert.match(e.message, /is not in the offline cache either/);
        return true;
      });
    }),
});

Deno.test("OciClient refuses plain HTTP to a host that is not loopback, before any request", () => {
  let requests = 0;
  const spy: typeof fetch = () => {
    requests++;
    return Promise.resolve(new Response(null, { status: 500 }));
  };
  for (const host of ["registry.example.com", "10.0.0.5:5000", "ghcr.io/azure-samples"]) {
    assert.throws(
      () =>
        new OciClient({
          registries: [{ host, plainHttp: true }],
          cacheDir: "/nonexistent",
          fetch: spy,
        }),
      (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "bad_config");
        assert.match(
          e.message,
          /asks for plain HTTP to "[^"]+", expected 127\.0\.0\.1, ::1 or localhost/,
        );
        return true;
      },
    );
  }
  assert.equal(requests, 0);
  for (const host of ["127.0.0.1:5000", "localhost:5000/team", "[::1]:5000"]) {
    new OciClient({ registries: [{ host, plainHttp: true }], cacheDir: "/nonexistent", fetch: spy })
      .close();
  }
});

Deno.test("OciClient with onlyConfiguredRegistries refuses any other registry before any request", async () => {
  const asked: string[] = [];
  const spy: typeof fetch = (input) => {
    asked.push(new URL(input instanceof Request ? input.url : String(input)).host);
    return Promise.resolve(new Response(null, { status: 503 }));
  };
  const registries = [{ host: "registry.plant.example/weir" }];
  const strict = new OciClient({
    registries,
    cacheDir: "/nonexistent",
    fetch: spy,
    onlyConfiguredRegistries: true,
  });
  const refused = (e: unknown) => {
    assert.ok(e instanceof OciError);
    assert.equal(e.reason, "not_allowed");
    assert.equal(e.code, "usage");
    assert.equal(
      e.message,
      'Reference "registry.evil.example/graph:1" names the registry "registry.evil.example", ' +
        'which is not configured; expected "registry.plant.example" or this machine ' +
        "(add it under registries, or set allowAnyRegistry: true)",
    );
    return true;
  };
  try {
    const ref = "registry.evil.example/graph:1";
    await assert.rejects(strict.pullGraph(ref), refused);
    await assert.rejects(strict.pullModule(ref), refused);
    await assert.rejects(strict.resolveDigest(ref), refused);
    assert.equal(asked.length, 0, "nothing was sent");
    // The configured registry and loopback hosts are asked.
    await assert.rejects(strict.resolveDigest("registry.plant.example/weir/graph:1"));
    await assert.rejects(strict.resolveDigest("127.0.0.1:9/graph:1"));
    assert.deepEqual([...new Set(asked)], ["registry.plant.example", "127.0.0.1:9"]);
  } finally {
    strict.close();
  }
  // Without the option any registry is used (weir pull and push work like that).
  const open = new OciClient({ registries, cacheDir: "/nonexistent", fetch: spy });
  try {
    await assert.rejects(open.resolveDigest("registry.evil.example/graph:1"), (e: unknown) => {
      assert.ok(e instanceof OciError && e.reason !== "not_allowed", String(e));
      return true;
    });
    assert.ok(asked.includes("registry.evil.example"));
  } finally {
    open.close();
  }
});

Deno.test({
  name:
    "OciClient with onlyConfiguredRegistries refuses a module a pulled graph names on another host" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, dir, cacheDir }) => {
      const graphRef = `${registry.host}/graphs/foreign:1.0.0`;
      await writeFile(
        join(dir, "foreign.yaml"),
        GRAPH_YAML.replace('"mod-a:1.0.0"', '"registry.evil.example/mod-a:1.0.0"'),
      );
      const asked: string[] = [];
      const spy: typeof fetch = (input, init) => {
        asked.push(new URL(input instanceof Request ? input.url : String(input)).host);
        return fetch(input, init);
      };
      const client = new OciClient({
        registries: [{ host: registry.host, plainHttp: true }],
        cacheDir,
        fetch: spy,
        onlyConfiguredRegistries: true,
      });
      try {
        await client.pushGraph(join(dir, "foreign.yaml"), graphRef);
        await assert.rejects(client.pullGraph(graphRef), (e: unknown) => {
          assert.ok(e instanceof OciError);
          assert.equal(e.reason, "not_allowed");
          assert.match(e.message, /names the registry "registry\.evil\.example", which is not/);
          return true;
        });
        assert.deepEqual([...new Set(asked)], [registry.host], "only the configured registry");
      } finally {
        client.close();
      }
    }),
});

Deno.test({
  name: "OciClient without a configured registry speaks HTTPS, so a plain registry is not reached" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: () =>
    withFixture(async ({ registry, cacheDir }) => {
      const oci = new OciClient({ cacheDir });
      try {
        await assert.rejects(oci.pullModule(`${registry.host}/x:1.0.0`), (e: unknown) => {
          assert.ok(e instanceof OciError);
          assert.equal(e.reason, "unreachable");
          assert.ok(e.message.includes(`https://${registry.host}/v2/x/manifests/1.0.0`), e.message);
          return true;
        });
      } finally {
        oci.close();
      }
    }),
});
