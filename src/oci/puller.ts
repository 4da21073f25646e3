/**
 * Pulls one artifact: resolves the reference to a manifest (from the
 * registry, or from the cache when pinned by a cached digest or when the
 * registry is out of reach), follows a single-entry index, picks the payload
 * layer and makes sure it is in the cache, verified. Manifests and the tag
 * record are written last, so a failed pull leaves the cache as it was.
 *
 * @module
 */
import type { Logger } from "../telemetry/mod.ts";
import { checkArtifactSize } from "./artifact_size.ts";
import { readBounded } from "./bounded_body.ts";
import type { OciCache } from "./cache.ts";
import { checkDigest, sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import {
  type ArtifactKind,
  isTypedPayload,
  looksLikeGraph,
  payloadCandidates,
} from "./layer_choice.ts";
import {
  blobsOf,
  type Descriptor,
  type ImageManifest,
  type Manifest,
  MAX_MANIFEST_BYTES,
  parseManifest,
} from "./manifest.ts";
import { isWasm, MANIFEST_ACCEPT } from "./media_types.ts";
import { formatReference, type OciReference } from "./reference.ts";
import { type RegistrySession, responseError } from "./registry_session.ts";
import type { ProgressListener, PulledArtifact } from "./types.ts";
import { writeVerified } from "./verified_write.ts";

/** What the puller needs from the client. */
export interface PullerContext {
  readonly cache: OciCache;
  /** The session for a reference's registry (and matching configuration). */
  sessionFor(ref: OciReference): RegistrySession;
  /** The largest artifact to download from a reference's registry, in bytes. */
  maxArtifactBytes(ref: OciReference): number;
  readonly log: Logger;
}

/** A manifest with its verified digest and bytes. */
interface Fetched {
  readonly digest: string;
  readonly bytes: Uint8Array;
  readonly manifest: Manifest;
}

/** A resolved reference: its top manifest, the image manifests under it, whether offline. */
export interface Resolved {
  readonly top: Fetched;
  /** The image manifests: the top one itself, or the entries of an index. */
  readonly images: readonly (Fetched & { readonly manifest: ImageManifest })[];
  readonly offline: boolean;
}

/** Everything of a reference cached, for a bundle. */
export interface CachedTree {
  readonly ref: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** True when the artifact is a graph (a YAML layer). */
  readonly graph: boolean;
}

/** Pulls artifacts into the cache. */
export class Puller {
  #ctx: PullerContext;

  /** Makes a puller over the client's cache and sessions. */
  constructor(ctx: PullerContext) {
    this.#ctx = ctx;
  }

  /**
   * The digest a reference points at now, asked with a HEAD request (a GET
   * when the registry sends no digest header).
   */
  async resolveDigest(ref: OciReference): Promise<string> {
    if (ref.digest !== undefined) return ref.digest;
    const text = formatReference(ref);
    const session = this.#ctx.sessionFor(ref);
    const response = await session.send({
      method: "HEAD",
      target: `/v2/${ref.repository}/manifests/${ref.tag}`,
      repository: ref.repository,
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (!response.ok) throw await responseError(response, `Cannot resolve "${text}"`);
    const header = response.headers.get("docker-content-digest");
    if (header !== null && /^sha256:[a-f0-9]{64}$/.test(header)) return header;
    return (await this.#fetchManifest(ref, text, ref.tag!)).digest;
  }

  /** Pulls the module or graph payload of a reference into the cache. */
  async pull(
    ref: OciReference,
    kind: ArtifactKind,
    onProgress?: ProgressListener,
  ): Promise<PulledArtifact> {
    const text = formatReference(ref);
    onProgress?.({ ref: text, phase: "manifest", doneBytes: 0, totalBytes: 0 });
    const resolved = await this.resolve(ref);
    const image = this.#single(resolved, text);
    for (const layer of payloadCandidates(image.manifest, kind, text)) {
      const stored = await this.#ensureBlob(ref, text, layer, resolved.offline, kind, onProgress);
      if (stored === undefined) continue;
      await this.#remember(ref, text, resolved);
      return {
        ref: text,
        digest: resolved.top.digest,
        blobDigest: layer.digest,
        path: stored,
        size: layer.size,
        mediaType: layer.mediaType,
        offline: resolved.offline,
      };
    }
    throw new OciError(
      "bad_artifact",
      kind === "module"
        ? `"${text}" has no WebAssembly layer: no layer starts with \\0asm`
        : `"${text}" has no graph YAML layer: its wasm-typed layers hold WebAssembly`,
    );
  }

  /** Caches every blob of a reference (index, manifests, configs, layers), for a bundle. */
  async pullTree(ref: OciReference, onProgress?: ProgressListener): Promise<CachedTree> {
    const text = formatReference(ref);
    onProgress?.({ ref: text, phase: "manifest", doneBytes: 0, totalBytes: 0 });
    const resolved = await this.resolve(ref);
    for (const image of resolved.images) {
      for (const blob of blobsOf(image.manifest)) {
        await this.#ensureBlob(ref, text, blob, resolved.offline, undefined, onProgress);
      }
    }
    await this.#remember(ref, text, resolved);
    return {
      ref: text,
      digest: resolved.top.digest,
      mediaType: resolved.top.manifest.mediaType,
      size: resolved.top.bytes.length,
      graph: resolved.images.length === 1 && looksLikeGraph(resolved.images[0]!.manifest),
    };
  }

  /** Resolves a reference to verified manifests, online when possible. */
  async resolve(ref: OciReference): Promise<Resolved> {
    const text = formatReference(ref);
    let offline = false;
    let top: Fetched | undefined;
    if (ref.digest !== undefined) top = await this.#cachedManifest(ref.digest, text);
    if (top === undefined) {
      try {
        top = await this.#fetchManifest(ref, text, ref.digest ?? ref.tag!);
      } catch (error) {
        if (
          !(error instanceof OciError) || error.reason !== "unreachable" || ref.digest !== undefined
        ) {
          throw error;
        }
        const record = await this.#ctx.cache.lookupTag(text);
        top = record === undefined ? undefined : await this.#cachedManifest(record.digest, text);
        if (top === undefined) {
          throw new OciError(
            "unreachable",
            `${error.message}; "${text}" is not in the offline cache either`,
            {
              cause: error,
            },
          );
        }
        offline = true;
        this.#ctx.log.log("warn", "registry unreachable; using the cached digest of the tag", {
          ref: text,
          digest: top.digest,
          pulledAt: record!.at,
          error: error.message,
        });
      }
    }
    const images: (Fetched & { manifest: ImageManifest })[] = [];
    if (top.manifest.kind === "manifest") {
      images.push(top as Fetched & { manifest: ImageManifest });
    } else {
      for (const entry of top.manifest.manifests) {
        const child = (await this.#cachedManifest(entry.digest, text, entry)) ??
          (offline
            ? missingOffline(text, `manifest ${entry.digest}`)
            : await this.#fetchManifest(ref, text, entry.digest, entry));
        if (child.manifest.kind !== "manifest") {
          throw new OciError(
            "bad_artifact",
            `"${text}" nests an index inside an index, which Weir does not follow`,
          );
        }
        images.push(child as Fetched & { manifest: ImageManifest });
      }
    }
    const maxBytes = this.#ctx.maxArtifactBytes(ref);
    for (const image of images) checkArtifactSize(image.manifest, maxBytes, text);
    return { top, images, offline };
  }

  /** The one image of an artifact; an index must have exactly one entry. */
  #single(resolved: Resolved, text: string): Fetched & { manifest: ImageManifest } {
    if (resolved.images.length !== 1) {
      throw new OciError(
        "bad_artifact",
        `"${text}" is an index of ${resolved.images.length} manifests, expected exactly one ` +
          "(pull one of them by digest)",
      );
    }
    return resolved.images[0]!;
  }

  async #fetchManifest(
    ref: OciReference,
    text: string,
    reference: string,
    expected?: Descriptor,
  ): Promise<Fetched> {
    if (expected !== undefined && expected.size > MAX_MANIFEST_BYTES) {
      throw new OciError(
        "bad_artifact",
        `"${text}" names the manifest ${expected.digest} of ${expected.size} bytes, ` +
          "expected at most 4 MiB",
      );
    }
    const session = this.#ctx.sessionFor(ref);
    const response = await session.send({
      method: "GET",
      target: `/v2/${ref.repository}/manifests/${reference}`,
      repository: ref.repository,
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (!response.ok) {
      throw await responseError(
        response,
        `Cannot get the manifest of "${text}" from "${ref.registry}"`,
      );
    }
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > MAX_MANIFEST_BYTES) {
      await response.body?.cancel();
      throw new OciError(
        "bad_artifact",
        `The manifest of "${text}" is ${length} bytes, expected at most 4 MiB`,
      );
    }
    // Counted as it streams: a chunked body has no length to check up front.
    const body = await readBounded(response.body, MAX_MANIFEST_BYTES).catch((error) => {
      throw new OciError(
        "unreachable",
        `Reading the manifest of "${text}" failed: ${(error as Error).message}`,
        { cause: error },
      );
    });
    if (body.overflow) {
      throw new OciError(
        "bad_artifact",
        `The manifest of "${text}" is more than 4 MiB (the registry sent over ${MAX_MANIFEST_BYTES} bytes)`,
      );
    }
    const bytes = body.bytes;
    const digest = sha256Digest(bytes);
    if (reference.startsWith("sha256:")) {
      checkDigest(
        { what: "manifest", ref: text, digest: reference, size: expected?.size },
        digest,
        bytes.length,
      );
    }
    const claimed = response.headers.get("docker-content-digest");
    if (claimed !== null && claimed.startsWith("sha256:") && claimed !== digest) {
      throw new OciError(
        "digest_mismatch",
        `The manifest of "${text}" has the digest ${digest}, but the registry says ${claimed} ` +
          "(refused: nothing was cached)",
      );
    }
    return {
      digest,
      bytes,
      manifest: parseManifest(bytes, response.headers.get("content-type"), text),
    };
  }

  async #cachedManifest(
    digest: string,
    text: string,
    expected?: Descriptor,
  ): Promise<Fetched | undefined> {
    const bytes = await this.#ctx.cache.readBlob(digest);
    if (bytes === undefined) return undefined;
    // The cache only holds verified content, but a disk can still rot: check again, it is small.
    checkDigest(
      { what: "cached manifest", ref: text, digest, size: expected?.size },
      sha256Digest(bytes),
      bytes.length,
    );
    return { digest, bytes, manifest: parseManifest(bytes, expected?.mediaType ?? null, text) };
  }

  /**
   * Makes sure a blob is cached; for payload layers checks it is (or is not)
   * WebAssembly. Undefined when a sniffed candidate turned out not to be the payload.
   */
  async #ensureBlob(
    ref: OciReference,
    text: string,
    blob: Descriptor,
    offline: boolean,
    kind: ArtifactKind | undefined,
    onProgress: ProgressListener | undefined,
  ): Promise<string | undefined> {
    const cache = this.#ctx.cache;
    const accept = kind === undefined
      ? undefined
      : (head: Uint8Array) => isWasm(head) === (kind === "module");
    const typed = kind !== undefined && isTypedPayload(blob, kind);
    if (await cache.hasBlob(blob.digest, blob.size)) {
      onProgress?.({ ref: text, phase: "cached", doneBytes: blob.size, totalBytes: blob.size });
      if (accept === undefined || accept(await headOf(cache.blobPath(blob.digest)))) {
        return cache.blobPath(blob.digest);
      }
      return this.#rejected(text, blob, kind!, typed);
    }
    if (offline) missingOffline(text, `blob ${blob.digest}`);
    await cache.ensureRoom(blob.size, `blob ${blob.digest} of "${text}"`);
    const session = this.#ctx.sessionFor(ref);
    const response = await session.send({
      method: "GET",
      target: `/v2/${ref.repository}/blobs/${blob.digest}`,
      repository: ref.repository,
    });
    if (!response.ok || response.body === null) {
      throw await responseError(response, `Cannot get the blob ${blob.digest} of "${text}"`);
    }
    const result = await writeVerified(
      response.body,
      { what: "blob", ref: text, digest: blob.digest, size: blob.size },
      cache,
      { onProgress, accept },
    );
    return result.kind === "stored" ? result.path : this.#rejected(text, blob, kind!, typed);
  }

  /** A typed payload layer with the wrong content is an error; a sniffed one is skipped. */
  #rejected(text: string, blob: Descriptor, kind: ArtifactKind, typed: boolean): undefined {
    if (!typed) return undefined;
    throw new OciError(
      "bad_artifact",
      kind === "module"
        ? `The layer ${blob.digest} of "${text}" is typed "${blob.mediaType}" but is not WebAssembly (no \\0asm header)`
        : `The layer ${blob.digest} of "${text}" is typed as YAML but holds WebAssembly`,
    );
  }

  /** Caches the manifests and records the tag, once the payload is safely in. */
  async #remember(ref: OciReference, text: string, resolved: Resolved): Promise<void> {
    if (resolved.offline) return;
    const cache = this.#ctx.cache;
    for (const m of [resolved.top, ...resolved.images]) {
      if (!(await cache.hasBlob(m.digest, m.bytes.length))) await cache.putBlob(m.digest, m.bytes);
    }
    if (ref.digest === undefined) await cache.recordTag(text, resolved.top.digest);
  }
}

function missingOffline(text: string, what: string): never {
  throw new OciError(
    "unreachable",
    `The registry of "${text}" is unreachable and the ${what} is not in the offline cache`,
  );
}

async function headOf(path: string): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const head = new Uint8Array(16);
    const n = await file.read(head);
    return head.subarray(0, n ?? 0);
  } finally {
    file.close();
  }
}
