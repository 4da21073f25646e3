/**
 * Writes cached artifacts as an offline bundle: an OCI image layout
 * (`oci-layout`, `index.json`, `blobs/sha256/…`) in a plain tar file, with
 * each artifact's full reference in the `org.opencontainers.image.ref.name`
 * annotation so an air-gapped gateway knows what it holds.
 *
 * @module
 */
import { rename, rm } from "node:fs/promises";
import type { OciCache } from "./cache.ts";
import { OciError } from "./errors.ts";
import { blobsOf, parseManifest } from "./manifest.ts";
import { OCI_INDEX, REF_NAME_ANNOTATION } from "./media_types.ts";
import { TAR_END, tarHeader, tarPadding } from "./tar.ts";

/** One artifact of a bundle: its reference and top manifest. */
export interface BundleEntry {
  readonly ref: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

/** Every blob digest under the entries (manifests, configs, layers), each once. */
async function blobDigests(cache: OciCache, entries: readonly BundleEntry[]): Promise<string[]> {
  const digests = new Set<string>();
  const visit = async (digest: string, ref: string, depth: number): Promise<void> => {
    if (digests.has(digest)) return;
    digests.add(digest);
    const bytes = await cache.readBlob(digest);
    if (bytes === undefined) {
      throw new OciError("not_found", `The manifest ${digest} of "${ref}" is not in the cache`);
    }
    const manifest = parseManifest(bytes, null, ref);
    if (manifest.kind === "index") {
      if (depth > 0) throw new OciError("bad_artifact", `"${ref}" nests indexes`);
      for (const child of manifest.manifests) await visit(child.digest, ref, depth + 1);
    } else {
      for (const blob of blobsOf(manifest)) digests.add(blob.digest);
    }
  };
  for (const entry of entries) await visit(entry.digest, entry.ref, 0);
  return [...digests];
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

async function copyInto(out: Deno.FsFile, path: string): Promise<void> {
  const source = await Deno.open(path, { read: true });
  try {
    const buffer = new Uint8Array(256 * 1024);
    for (;;) {
      const n = await source.read(buffer);
      if (n === null) break;
      await writeAll(out, buffer.subarray(0, n));
    }
  } finally {
    source.close();
  }
}

/**
 * Writes the bundle; the file appears complete or not at all.
 *
 * @throws {OciError} `not_found` when a blob is missing from the cache, `io` on write errors.
 */
export async function writeBundle(
  cache: OciCache,
  entries: readonly BundleEntry[],
  tarPath: string,
): Promise<{ readonly blobs: number }> {
  const digests = await blobDigests(cache, entries);
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: entries.map((e) => ({
      mediaType: e.mediaType,
      digest: e.digest,
      size: e.size,
      annotations: { [REF_NAME_ANNOTATION]: e.ref },
    })),
  };
  const temp = `${tarPath}.${crypto.randomUUID()}.part`;
  let out: Deno.FsFile | undefined;
  try {
    out = await Deno.open(temp, { write: true, createNew: true });
    const small = async (name: string, bytes: Uint8Array) => {
      await writeAll(out!, tarHeader({ name, type: "file", size: bytes.length }));
      await writeAll(out!, bytes);
      await writeAll(out!, tarPadding(bytes.length));
    };
    const encoder = new TextEncoder();
    await small("oci-layout", encoder.encode(JSON.stringify({ imageLayoutVersion: "1.0.0" })));
    await small("index.json", encoder.encode(JSON.stringify(index)));
    await writeAll(out, tarHeader({ name: "blobs", type: "directory", size: 0 }));
    await writeAll(out, tarHeader({ name: "blobs/sha256", type: "directory", size: 0 }));
    for (const digest of digests) {
      const path = cache.blobPath(digest);
      const size = (await Deno.stat(path).catch(() => undefined))?.size;
      if (size === undefined) {
        throw new OciError("not_found", `The blob ${digest} is not in the cache`);
      }
      await writeAll(
        out,
        tarHeader({ name: `blobs/sha256/${digest.slice(7)}`, type: "file", size }),
      );
      await copyInto(out, path);
      await writeAll(out, tarPadding(size));
    }
    await writeAll(out, TAR_END);
    out.close();
    out = undefined;
    await rename(temp, tarPath);
    return { blobs: digests.length };
  } catch (error) {
    out?.close();
    await rm(temp, { force: true });
    if (error instanceof OciError) throw error;
    throw new OciError("io", `Cannot write the bundle "${tarPath}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}
