/**
 * Imports an offline bundle (an OCI image layout in a tar file) into the
 * cache: every blob is checked against its name while it streams in, every
 * artifact in `index.json` must be complete, and each full reference is
 * recorded so later pulls of it work with no network.
 *
 * @module
 */
import type { Logger } from "../telemetry/mod.ts";
import type { OciCache } from "./cache.ts";
import { OciError } from "./errors.ts";
import { blobsOf, parseManifest } from "./manifest.ts";
import { REF_NAME_ANNOTATION } from "./media_types.ts";
import { formatReference, parseReference } from "./reference.ts";
import { readTar } from "./tar.ts";
import { writeVerified } from "./verified_write.ts";

/** One artifact found in a bundle. */
export interface ImportedRef {
  /** The reference from the index (full when the bundle came from Weir). */
  readonly ref: string;
  /** The manifest (or index) digest. */
  readonly digest: string;
  /** False when the name was not a full reference (e.g. just a tag), so it was not recorded. */
  readonly recorded: boolean;
}

/** What an import did. */
export interface ImportResult {
  /** Every artifact of the bundle's index. */
  readonly refs: readonly ImportedRef[];
  /** Blobs written to the cache (already cached ones included). */
  readonly blobs: number;
}

interface IndexEntry {
  digest?: unknown;
  size?: unknown;
  mediaType?: unknown;
  annotations?: Record<string, unknown>;
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

/**
 * Imports a bundle.
 *
 * @throws {OciError} `bad_bundle` when the file is not an OCI layout tar, a blob does not
 *   match its name (`digest_mismatch`), or an artifact lacks a blob.
 */
export async function readBundle(
  cache: OciCache,
  tarPath: string,
  log: Logger,
): Promise<ImportResult> {
  const bad = (problem: string): never => {
    throw new OciError("bad_bundle", `The bundle "${tarPath}" ${problem}`);
  };
  let file: Deno.FsFile;
  try {
    file = await Deno.open(tarPath, { read: true });
  } catch (error) {
    throw new OciError("io", `Cannot read the bundle "${tarPath}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  let layout: unknown;
  let index: { manifests?: unknown } | undefined;
  let blobs = 0;
  try {
    await readTar(file, tarPath, async (entry, content) => {
      if (entry.type !== "file") return;
      if (entry.name === "oci-layout") {
        layout = JSON.parse(await text(content));
      } else if (entry.name === "index.json") {
        index = JSON.parse(await text(content));
      } else {
        const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(entry.name);
        if (m === null) return;
        await writeVerified(
          content,
          { what: "bundled blob", ref: tarPath, digest: `sha256:${m[1]}`, size: entry.size },
          cache,
        );
        blobs++;
      }
    });
  } catch (error) {
    if (error instanceof SyntaxError) bad(`has a file that is not JSON: ${error.message}`);
    throw error;
  } finally {
    file.close();
  }
  if ((layout as { imageLayoutVersion?: unknown } | undefined)?.imageLayoutVersion !== "1.0.0") {
    bad(`has no oci-layout file with imageLayoutVersion "1.0.0"; expected an OCI image layout`);
  }
  if (!Array.isArray(index?.manifests)) bad("has no index.json with a manifests list");
  const refs: ImportedRef[] = [];
  for (const raw of index!.manifests as IndexEntry[]) {
    const digest = String(raw.digest);
    const name = typeof raw.annotations?.[REF_NAME_ANNOTATION] === "string"
      ? raw.annotations[REF_NAME_ANNOTATION] as string
      : digest;
    await checkComplete(cache, digest, name, tarPath);
    let ref: string | undefined;
    try {
      const parsed = parseReference(name);
      if (parsed.registry !== "" && parsed.tag !== undefined && parsed.digest === undefined) {
        ref = formatReference(parsed);
      }
    } catch {
      // a bare tag or another tool's name: kept, but not recorded
    }
    if (ref !== undefined) await cache.recordTag(ref, digest);
    else {log.log("warn", "bundle entry has no full reference; imported but not recorded", {
        name,
        digest,
      });}
    refs.push({ ref: ref ?? name, digest, recorded: ref !== undefined });
  }
  return { refs, blobs };
}

/** Throws unless the manifest and everything under it are cached. */
async function checkComplete(
  cache: OciCache,
  digest: string,
  name: string,
  tarPath: string,
): Promise<void> {
  const missing = (what: string) =>
    new OciError("bad_bundle", `The bundle "${tarPath}" lacks the ${what} of "${name}"`);
  const bytes = await cache.readBlob(digest);
  if (bytes === undefined) throw missing(`manifest ${digest}`);
  const manifest = parseManifest(bytes, null, name);
  const images = manifest.kind === "manifest" ? [manifest] : [];
  if (manifest.kind === "index") {
    for (const child of manifest.manifests) {
      const childBytes = await cache.readBlob(child.digest);
      if (childBytes === undefined) throw missing(`manifest ${child.digest}`);
      const parsed = parseManifest(childBytes, child.mediaType, name);
      if (parsed.kind === "manifest") images.push(parsed);
    }
  }
  for (const image of images) {
    for (const blob of blobsOf(image)) {
      if (!(await cache.hasBlob(blob.digest, blob.size))) throw missing(`blob ${blob.digest}`);
    }
  }
}
