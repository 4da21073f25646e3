/**
 * Pulls from a hostile registry: a tiny HTTP server on 127.0.0.1 that sends
 * endless chunked manifests, error bodies and token answers, manifests that
 * name huge blobs, and blobs longer than their descriptors. Every pull must
 * fail fast, with bounded memory, and write nothing it was not promised; the
 * maximum artifact size and the free disk space are checked before a download.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OciClient, type OciClientOptions, OciError } from "../src/oci/mod.ts";
import { jsonLogger } from "../src/telemetry/mod.ts";
import { fakeWasm, REGISTRY_NOTE, withRegistry } from "./_registry.ts";

const MiB = 1024 * 1024;
const encoder = new TextEncoder();

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** What the fake registry served. */
interface Served {
  bytes: number;
  blobRequests: number;
}

/** A body of `total` bytes in 64 KiB chunks, sent as it is read (chunked: no length). */
function endless(total: number, served: Served, fill = 0x20): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const chunk = new Uint8Array(Math.min(64 * 1024, total - sent)).fill(fill);
      sent += chunk.length;
      served.bytes += chunk.length;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

/** A module manifest naming the given config and layer descriptors. */
function moduleManifest(
  layer: { digest: string; size: number },
  config = { digest: sha256(encoder.encode("{}")), size: 2 },
): Uint8Array {
  return encoder.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "application/vnd.module.wasm.content.layer.v1+wasm",
    config: { mediaType: "application/vnd.oci.empty.v1+json", ...config },
    layers: [{ mediaType: "application/wasm", ...layer }],
  }));
}

type Route = (kind: "manifests" | "blobs" | "token", served: Served) => Response;

/** Runs `fn` against a fake registry; `route` answers manifest, blob and token requests. */
async function withFakeRegistry(
  route: Route,
  fn: (host: string, served: Served, dir: string) => Promise<void>,
): Promise<void> {
  const served: Served = { bytes: 0, blobRequests: 0 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    const kind = path === "/token"
      ? "token"
      : path.includes("/manifests/")
      ? "manifests"
      : path.includes("/blobs/")
      ? "blobs"
      : undefined;
    if (kind === undefined) return new Response("{}", { status: 200 });
    if (kind === "blobs") served.blobRequests++;
    return route(kind, served);
  });
  const dir = await Deno.makeTempDir({ prefix: "weir-pull-limits-" });
  try {
    await fn(`127.0.0.1:${server.addr.port}`, served, dir);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

function client(host: string, dir: string, extra: Partial<OciClientOptions> = {}): OciClient {
  return new OciClient({
    registries: [{ host, plainHttp: true }],
    cacheDir: join(dir, "cache"),
    ...extra,
  });
}

/** Runs `work` while sampling RSS; gives the highest rise above the start. */
async function peakRssRise(work: () => Promise<unknown>): Promise<number> {
  const start = Deno.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, Deno.memoryUsage().rss) - start;
}

/** Files left in the cache's blobs and tmp folders. */
async function cachedFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ["blobs/sha256", "tmp"]) {
    out.push(...await readdir(join(dir, "cache", sub)).catch(() => []));
  }
  return out;
}

Deno.test("a 600 MiB chunked manifest with no Content-Length is refused after 4 MiB, memory bounded", () =>
  withFakeRegistry(
    (_kind, served) =>
      new Response(endless(600 * MiB, served), {
        headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      }),
    async (host, served, dir) => {
      using oci = client(host, dir);
      const began = Date.now();
      let error: unknown;
      const rise = await peakRssRise(() =>
        oci.pullModule(`${host}/m:1.0.0`).catch((e) => error = e)
      );
      assert.ok(error instanceof OciError, String(error));
      assert.equal(error.reason, "bad_artifact");
      assert.match(error.message, /The manifest of ".*\/m:1\.0\.0" is more than 4 MiB/);
      assert.ok(rise < 100 * MiB, `RSS rose by ${(rise / MiB).toFixed(0)} MiB`);
      assert.ok(served.bytes < 64 * MiB, `the server sent ${served.bytes} bytes`);
      assert.ok(Date.now() - began < 10_000);
    },
  ));

Deno.test("a 600 MiB error body or token answer is read only as far as needed", () => {
  const mode = { phase: "error", host: "" };
  return withFakeRegistry(
    (kind, served) => {
      if (kind === "token") return new Response(endless(600 * MiB, served, 0x7b));
      if (mode.phase === "error") return new Response(endless(600 * MiB, served), { status: 500 });
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": `Bearer realm="http://${mode.host}/token"` },
      });
    },
    async (host, served, dir) => {
      mode.host = host;
      using oci = client(host, dir);
      let error: unknown;
      let rise = await peakRssRise(() => oci.pullModule(`${host}/m:1.0.0`).catch((e) => error = e));
      assert.ok(error instanceof OciError, String(error));
      assert.equal(error.reason, "unreachable");
      assert.match(error.message, /HTTP 500/);
      assert.ok(rise < 100 * MiB, `RSS rose by ${(rise / MiB).toFixed(0)} MiB`);
      assert.ok(served.bytes < 64 * MiB, `the server sent ${served.bytes} bytes`);

      mode.phase = "token";
      served.bytes = 0;
      rise = await peakRssRise(() => oci.pullModule(`${host}/m:1.0.0`).catch((e) => error = e));
      assert.ok(error instanceof OciError, String(error));
      assert.equal(error.reason, "protocol");
      assert.match(
        error.message,
        /The token server http:\/\/.*\/token answered more than 1048576 bytes/,
      );
      assert.ok(rise < 100 * MiB, `RSS rose by ${(rise / MiB).toFixed(0)} MiB`);
      assert.ok(served.bytes < 64 * MiB, `the server sent ${served.bytes} bytes`);
    },
  );
});

Deno.test("a manifest naming a blob over the maximum artifact size is refused before any download", () => {
  const manifest = moduleManifest({ digest: sha256(encoder.encode("x")), size: 2 ** 40 });
  return withFakeRegistry(
    (kind, served) =>
      kind === "manifests"
        ? new Response(manifest as Uint8Array<ArrayBuffer>)
        : new Response(endless(64 * MiB, served)),
    async (host, served, dir) => {
      using oci = client(host, dir);
      await assert.rejects(oci.pullModule(`${host}/m:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError, String(e));
        assert.equal(e.reason, "bad_artifact");
        assert.match(
          e.message,
          /names the blob sha256:[0-9a-f]{64} of 1099511627776 bytes, more than the maximum artifact size of 268435456 bytes \(maxArtifactBytes\)/,
        );
        return true;
      });
      assert.equal(served.blobRequests, 0);
      assert.deepEqual(await cachedFiles(dir), []);
    },
  );
});

Deno.test("maxArtifactBytes bounds each blob and their sum; a registry's own setting wins", () => {
  const wasm = fakeWasm(1_500, 2);
  const config = encoder.encode("{}");
  const manifest = moduleManifest({ digest: sha256(wasm), size: wasm.length });
  return withFakeRegistry(
    (kind, _served) =>
      kind === "manifests"
        ? new Response(manifest as Uint8Array<ArrayBuffer>)
        : new Response(wasm as Uint8Array<ArrayBuffer>),
    async (host, served, dir) => {
      using small = client(host, dir, { maxArtifactBytes: 1_000 });
      await assert.rejects(
        small.pullModule(`${host}/m:1.0.0`),
        /more than the maximum artifact size of 1000 bytes/,
      );
      using exact = client(host, dir, { maxArtifactBytes: wasm.length + 1 });
      await assert.rejects(
        exact.pullModule(`${host}/m:1.0.0`),
        new RegExp(
          `names ${wasm.length + config.length} bytes of blobs in all, more than the maximum`,
        ),
      );
      assert.equal(served.blobRequests, 0);
      using overridden = new OciClient({
        registries: [{ host, plainHttp: true, maxArtifactBytes: 10_000 }],
        cacheDir: join(dir, "cache"),
        maxArtifactBytes: 1_000,
      });
      const pulled = await overridden.pullModule(`${host}/m:1.0.0`);
      assert.equal(pulled.blobDigest, sha256(wasm));
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        assert.throws(
          () => client(host, dir, { maxArtifactBytes: bad }),
          /expected a whole number of bytes, at least 1/,
        );
        assert.throws(
          () => new OciClient({ registries: [{ host, maxArtifactBytes: bad }], cacheDir: dir }),
          (e: unknown) => e instanceof OciError && e.reason === "bad_config",
        );
      }
    },
  );
});

Deno.test("a blob that streams past its descriptor's size is refused at once, nothing cached", () => {
  const manifest = moduleManifest({ digest: sha256(fakeWasm(100)), size: 1_000 });
  return withFakeRegistry(
    (kind, served) =>
      kind === "manifests"
        ? new Response(manifest as Uint8Array<ArrayBuffer>)
        : new Response(endless(64 * MiB, served, 0)),
    async (host, served, dir) => {
      using oci = client(host, dir);
      await assert.rejects(oci.pullModule(`${host}/m:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError, String(e));
        assert.equal(e.reason, "digest_mismatch");
        assert.match(e.message, /is longer than the 1000 bytes its descriptor says/);
        return true;
      });
      assert.ok(served.bytes < 4 * MiB, `the server sent ${served.bytes} bytes`);
      assert.deepEqual(await cachedFiles(dir), []);
    },
  );
});

Deno.test("a blob larger than the free disk space (statfs of the cache) is refused before download", () => {
  const manifest = moduleManifest({ digest: sha256(encoder.encode("x")), size: 2 ** 52 });
  return withFakeRegistry(
    (kind, served) =>
      kind === "manifests"
        ? new Response(manifest as Uint8Array<ArrayBuffer>)
        : new Response(endless(64 * MiB, served)),
    async (host, served, dir) => {
      // The real statfs: no disk here has 4 PiB free.
      using oci = client(host, dir, { maxArtifactBytes: Number.MAX_SAFE_INTEGER });
      await assert.rejects(oci.pullModule(`${host}/m:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError, String(e));
        assert.equal(e.reason, "io");
        assert.match(
          e.message,
          /^Not enough disk space for the blob sha256:[0-9a-f]{64} of ".*": it is 4503599627370496 bytes and ".*cache" has \d+ bytes free, 67108864 of which stay free \(refused: nothing was written\)$/,
        );
        return true;
      });
      assert.equal(served.blobRequests, 0);
      assert.deepEqual(await cachedFiles(dir), []);
    },
  );
});

Deno.test("free space is checked against the reserve; unmeasurable space is logged once, not fatal", () => {
  const wasm = fakeWasm(3_000, 3);
  const manifest = moduleManifest({ digest: sha256(wasm), size: wasm.length });
  return withFakeRegistry(
    (kind, _served) =>
      kind === "manifests"
        ? new Response(manifest as Uint8Array<ArrayBuffer>)
        : new Response(wasm as Uint8Array<ArrayBuffer>),
    async (host, served, dir) => {
      // 64 MiB free: a 3 KB blob would eat into the 64 MiB reserve.
      using tight = client(host, dir, { freeSpace: () => Promise.resolve(64 * MiB) });
      await assert.rejects(
        tight.pullModule(`${host}/m:1.0.0`),
        /has 67108864 bytes free, 67108864 of which stay free/,
      );
      assert.equal(served.blobRequests, 0);
      const lines: string[] = [];
      using blind = client(host, dir, {
        freeSpace: () => Promise.resolve("statfs is not allowed (run with --allow-sys=statfs)"),
        log: jsonLogger({ level: "warn", write: (line) => lines.push(line) }),
      });
      assert.equal((await blind.pullModule(`${host}/m:1.0.0`)).blobDigest, sha256(wasm));
      assert.deepEqual(lines.map((l) => [JSON.parse(l).msg, JSON.parse(l).why]), [[
        "cannot measure free disk space; blobs are written unchecked",
        "statfs is not allowed (run with --allow-sys=statfs)",
      ]]);
    },
  );
});

Deno.test({
  name: "maxArtifactBytes refuses a module pushed to a real registry that is larger than allowed" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const h = registry.host;
      const wasm = fakeWasm(50_000, 6);
      await writeFile(join(dir, "m.wasm"), wasm);
      using pusher = new OciClient({
        registries: [{ host: h, plainHttp: true }],
        cacheDir: join(dir, "push-cache"),
      });
      await pusher.pushModule(join(dir, "m.wasm"), `${h}/m:1.0.0`);
      using limited = new OciClient({
        registries: [{ host: h, plainHttp: true, maxArtifactBytes: 40_000 }],
        cacheDir: join(dir, "cache"),
      });
      await assert.rejects(limited.pullModule(`${h}/m:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "bad_artifact");
        assert.match(e.message, /more than the maximum artifact size of 40000 bytes/);
        return true;
      });
      using roomy = new OciClient({
        registries: [{ host: h, plainHttp: true }],
        cacheDir: join(dir, "cache"),
      });
      assert.equal((await roomy.pullModule(`${h}/m:1.0.0`)).blobDigest, sha256(wasm));
    }),
});
