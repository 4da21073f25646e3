/**
 * Pushes modules and graphs in the same shape `oras push` gives them in
 * AIO's documentation (docs/aio-compatibility.md, "Packaging"), so AIO, `oras pull` and Weir read
 * them alike:
 *
 * - module: OCI manifest with `artifactType`
 *   `application/vnd.module.wasm.content.layer.v1+wasm`, the empty config
 *   `application/vnd.oci.empty.v1+json` (`{}`), one `application/wasm` layer;
 * - graph: OCI manifest whose config is an empty blob of type
 *   `application/vnd.microsoft.aio.graph.v1+yaml`, one `application/yaml` layer.
 *
 * Layers carry the file name as their title. Blobs the registry has are not
 * sent again (HEAD); the others go up in one POST + PUT each.
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import { sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import type { Descriptor } from "./manifest.ts";
import {
  AIO_GRAPH_CONFIG,
  CREATED_ANNOTATION,
  MODULE_ARTIFACT_TYPE,
  OCI_EMPTY,
  OCI_MANIFEST,
  TITLE_ANNOTATION,
  WASM_LAYER,
  YAML_LAYER,
} from "./media_types.ts";
import { formatReference, type OciReference } from "./reference.ts";
import { type RegistrySession, responseError } from "./registry_session.ts";
import type { ProgressListener, PushedArtifact } from "./types.ts";

/** One blob to push, with its bytes. */
interface Blob {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
}

function blob(mediaType: string, bytes: Uint8Array, title?: string, data?: string): Blob {
  return {
    descriptor: {
      mediaType,
      digest: sha256Digest(bytes),
      size: bytes.length,
      ...defined({ data }),
      ...(title === undefined ? {} : { annotations: { [TITLE_ANNOTATION]: title } }),
    },
    bytes,
  };
}

/** The push time as `oras` writes it: seconds precision, UTC. */
function created(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** What to push: the manifest's parts. */
export interface ArtifactParts {
  readonly artifactType?: string;
  readonly config: Blob;
  readonly layer: Blob;
}

/** The parts of a module artifact. */
export function moduleParts(bytes: Uint8Array, fileName: string): ArtifactParts {
  const empty = new TextEncoder().encode("{}");
  return {
    artifactType: MODULE_ARTIFACT_TYPE,
    config: blob(OCI_EMPTY, empty, undefined, btoa("{}")),
    layer: blob(WASM_LAYER, bytes, fileName),
  };
}

/** The parts of a graph artifact. */
export function graphParts(bytes: Uint8Array, fileName: string): ArtifactParts {
  return {
    config: blob(AIO_GRAPH_CONFIG, new Uint8Array(0)),
    layer: blob(YAML_LAYER, bytes, fileName),
  };
}

/** The manifest bytes, with keys in the order `oras` writes them. */
export function manifestBytes(parts: ArtifactParts, now: Date = new Date()): Uint8Array {
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    ...defined({ artifactType: parts.artifactType }),
    config: parts.config.descriptor,
    layers: [parts.layer.descriptor],
    annotations: { [CREATED_ANNOTATION]: created(now) },
  };
  return new TextEncoder().encode(JSON.stringify(manifest));
}

/** Pushes the parts to a reference and tags it. */
export async function pushParts(
  session: RegistrySession,
  ref: OciReference,
  parts: ArtifactParts,
  onProgress?: ProgressListener,
): Promise<PushedArtifact> {
  const text = formatReference(ref);
  if (ref.tag === undefined || ref.digest !== undefined) {
    throw new OciError("bad_reference", `Cannot push to "${text}": expected a tag and no digest`);
  }
  // Progress is the artifact's (the layer): the config blob is a few bytes of JSON, and a
  // display that shows one line per step would otherwise report its size for the whole push.
  await uploadBlob(session, ref, text, parts.config);
  await uploadBlob(session, ref, text, parts.layer, onProgress);
  const manifest = manifestBytes(parts);
  const digest = sha256Digest(manifest);
  const response = await session.send({
    method: "PUT",
    target: `/v2/${ref.repository}/manifests/${ref.tag}`,
    repository: ref.repository,
    push: true,
    headers: { "content-type": OCI_MANIFEST },
    body: manifest,
  });
  if (response.status !== 201 && response.status !== 200) {
    throw await responseError(
      response,
      `Registry "${ref.registry}" refused the manifest of "${text}"`,
    );
  }
  await response.body?.cancel();
  onProgress?.({
    ref: text,
    phase: "done",
    doneBytes: parts.layer.bytes.length,
    totalBytes: parts.layer.bytes.length,
  });
  return {
    ref: text,
    digest,
    blobDigest: parts.layer.descriptor.digest,
    size: parts.layer.descriptor.size,
  };
}

async function uploadBlob(
  session: RegistrySession,
  ref: OciReference,
  text: string,
  part: Blob,
  onProgress?: ProgressListener,
): Promise<void> {
  const { digest, size } = part.descriptor;
  const base = { repository: ref.repository, push: true } as const;
  const head = await session.send({
    ...base,
    method: "HEAD",
    target: `/v2/${ref.repository}/blobs/${digest}`,
  });
  await head.body?.cancel();
  if (head.ok) {
    onProgress?.({ ref: text, phase: "cached", doneBytes: size, totalBytes: size });
    return;
  }
  onProgress?.({ ref: text, phase: "upload", doneBytes: 0, totalBytes: size });
  const start = await session.send({
    ...base,
    method: "POST",
    target: `/v2/${ref.repository}/blobs/uploads/`,
  });
  const location = start.headers.get("location");
  if (start.status !== 202 || location === null) {
    throw await responseError(
      start,
      `Registry "${ref.registry}" did not start an upload for "${text}"`,
    );
  }
  await start.body?.cancel();
  // The Location may be relative, and may already carry query parameters (an upload state).
  const url = session.url(location);
  url.searchParams.set("digest", digest);
  const put = await session.send({
    ...base,
    method: "PUT",
    target: url.href,
    headers: { "content-type": "application/octet-stream" },
    body: part.bytes,
  });
  if (put.status !== 201) {
    throw await responseError(
      put,
      `Registry "${ref.registry}" refused the blob ${digest} of "${text}"`,
    );
  }
  await put.body?.cancel();
  onProgress?.({ ref: text, phase: "upload", doneBytes: size, totalBytes: size });
}
