/**
 * Imports an offline bundle (an OCI image layout in a tar file) into the
 * cache: every blob is checked against its name while it streams in, every
 * artifact in `index.json` must be complete, and each full reference is
 * recorded so later pulls of it work with no network.
 *
 * @module
 */
import type { Logger } from "../telemetry/mod.ts";
import { readBounded } from "./bounded_body.ts";
import type { OciCache } from "./cache.ts";
import { OciError } from "./errors.ts";
import { blobsOf, type Descriptor, MAX_MANIFEST_BYTES, parseManifest } from "./manifest.ts";
import { OCI_INDEX, REF_NAME_ANNOTATION } from "./media_types.ts";
import { formatReference, parseReference } from "./reference.ts";
import { readTar } from "./tar_read.ts";
import { writeVerified } from "./verified_write.ts";

/** `oci-layout` is one short JSON object. */
const MAX_LAYOUT_BYTES = 64 * 1024;

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

/** A small member's bytes; refused when the header promises more than `limit`. */
async function small(
  content: ReadableStream<Uint8Array>,
  name: string,
  size: number,
  limit: number,
  tarPath: string,
): Promise<Uint8Array> {
  if (size > limit) {
    throw new OciError(
      "bad_bundle",
      `The bundle "${tarPath}" has a ${size}-byte "${name}", expected at most ${limit} bytes`,
    );
  }
  return (await readBounded(content, limit)).bytes;
}

function json(bytes: Uint8Array, name: string, tarPath: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new OciError(
      "bad_bundle",
      `The bundle "${tarPath}" has a "${name}" that is not JSON: ${(error as Error).message}`,
    );
  }
}

/**
 * Imports a bundle.
 *
 * @throws {OciError} `bad_bundle` when the file is not an OCI layout tar or an artifact
 *   lacks a blob, `digest_mismatch` when a blob does not match its name.
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
  let index: Uint8Array | undefined;
  let blobs = 0;
  try {
    await readTar(file, tarPath, async (entry, content) => {
      if (entry.type !== "file") return;
      if (entry.name === "oci-layout") {
        const bytes = await small(content, entry.name, entry.size, MAX_LAYOUT_BYTES, tarPath);
        layout = json(bytes, entry.name, tarPath);
      } else if (entry.name === "index.json") {
        index = await small(content, entry.name, entry.size, MAX_MANIFEST_BYTES, tarPath);
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
  } finally {
    file.close();
  }
  const version = layout !== null && typeof layout === "object"
    ? (layout as { imageLayoutVersion?: unknown }).imageLayoutVersion
    : undefined;
  if (version !== "1.0.0") {
    bad(`has no oci-layout file with imageLayoutVersion "1.0.0"; expected an OCI image layout`);
  }
  if (index === undefined) bad("has no index.json");
  const parsed = parseManifest(index!, OCI_INDEX, tarPath, {
    what: `The index.json of the bundle "${tarPath}"`,
    reason: "bad_bundle",
  });
  if (parsed.kind !== "index") bad("has an index.json that is an image manifest, not an index");
  const refs: ImportedRef[] = [];
  for (const entry of parsed.kind === "index" ? parsed.manifests : []) {
    const digest = entry.digest;
    const name = entry.annotations?.[REF_NAME_ANNOTATION] ?? digest;
    await checkComplete(cache, entry, name, tarPath);
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
  top: Descriptor,
  name: string,
  tarPath: string,
): Promise<void> {
  const missing = (what: string) =>
    new OciError("bad_bundle", `The bundle "${tarPath}" lacks the ${what} of "${name}"`);
  const manifestOf = async (d: Descriptor) => {
    if (d.size > MAX_MANIFEST_BYTES) {
      throw new OciError(
        "bad_bundle",
        `The bundle "${tarPath}" names a ${d.size}-byte manifest ${d.digest} for "${name}", ` +
          "expected at most 4 MiB",
      );
    }
    const bytes = await cache.hasBlob(d.digest, d.size)
      ? await cache.readBlob(d.digest)
      : undefined;
    if (bytes === undefined) throw missing(`manifest ${d.digest}`);
    return parseManifest(bytes, d.mediaType, name, { reason: "bad_bundle" });
  };
  const manifest = await manifestOf(top);
  const images = manifest.kind === "manifest" ? [manifest] : [];
  if (manifest.kind === "index") {
    for (const child of manifest.manifests) {
      const parsed = await manifestOf(child);
      if (parsed.kind === "manifest") images.push(parsed);
    }
  }
  for (const image of images) {
    for (const blob of blobsOf(image)) {
      if (!(await cache.hasBlob(blob.digest, blob.size))) throw missing(`blob ${blob.digest}`);
    }
  }
}
