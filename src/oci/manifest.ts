/**
 * Manifests as Weir reads them: OCI image manifests (with or without
 * `artifactType`), Docker v2 schema 2 manifests, and the indexes (OCI image
 * index, Docker manifest list) that point at them. Anything else is refused
 * with what was found.
 *
 * @module
 */
import { OciError } from "./errors.ts";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from "./media_types.ts";

/** A pointer to content: its type, digest and size. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly artifactType?: string;
  /** Inline content (base64), as the OCI 1.1 empty config carries. */
  readonly data?: string;
}

/** An image manifest: a config and layers. */
export interface ImageManifest {
  readonly kind: "manifest";
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

/** An index: pointers to manifests. */
export interface ImageIndex {
  readonly kind: "index";
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
}

/** Either form. */
export type Manifest = ImageManifest | ImageIndex;

const MANIFEST_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);

type Obj = Record<string, unknown>;

function bad(ref: string, problem: string): never {
  throw new OciError("bad_artifact", `The manifest of "${ref}" is not usable: ${problem}`);
}

function descriptor(ref: string, value: unknown, where: string): Descriptor {
  const d = (value ?? {}) as Obj;
  if (typeof d.mediaType !== "string" || d.mediaType === "") {
    bad(ref, `${where} has no mediaType`);
  }
  if (typeof d.digest !== "string" || !/^sha256:[a-f0-9]{64}$/.test(d.digest)) {
    bad(ref, `${where} has the digest ${JSON.stringify(d.digest)}, expected sha256:<64 hex>`);
  }
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    bad(ref, `${where} has the size ${JSON.stringify(d.size)}, expected a whole number of bytes`);
  }
  const annotations = d.annotations !== null && typeof d.annotations === "object"
    ? d.annotations as Record<string, string>
    : undefined;
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(annotations === undefined ? {} : { annotations }),
    ...(typeof d.artifactType === "string" ? { artifactType: d.artifactType } : {}),
    ...(typeof d.data === "string" ? { data: d.data } : {}),
  };
}

/**
 * Parses manifest bytes. The media type comes from the body, else from the
 * `Content-Type` the registry sent.
 *
 * @throws {OciError} reason `bad_artifact` naming what is wrong.
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string | null,
  ref: string,
): Manifest {
  let body: Obj;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes)) as Obj;
  } catch {
    bad(ref, "it is not JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    bad(ref, "it is not a JSON object");
  }
  if (body.schemaVersion !== 2) {
    bad(
      ref,
      `found schemaVersion ${
        JSON.stringify(body.schemaVersion)
      }, expected 2 (Docker schema 1 is not supported)`,
    );
  }
  const mediaType = typeof body.mediaType === "string"
    ? body.mediaType
    : (contentType ?? "").split(";")[0]!.trim() ||
      (Array.isArray(body.manifests) ? OCI_INDEX : OCI_MANIFEST);
  if (
    INDEX_TYPES.has(mediaType) || (!MANIFEST_TYPES.has(mediaType) && Array.isArray(body.manifests))
  ) {
    if (!Array.isArray(body.manifests)) bad(ref, "the index has no manifests list");
    return {
      kind: "index",
      mediaType,
      manifests: body.manifests.map((m, i) => descriptor(ref, m, `manifests[${i}]`)),
    };
  }
  if (!MANIFEST_TYPES.has(mediaType)) {
    bad(
      ref,
      `found the media type "${mediaType}", expected an OCI or Docker v2 image manifest or index`,
    );
  }
  if (!Array.isArray(body.layers)) bad(ref, "it has no layers list");
  return {
    kind: "manifest",
    mediaType,
    ...(typeof body.artifactType === "string" ? { artifactType: body.artifactType } : {}),
    config: descriptor(ref, body.config, "config"),
    layers: body.layers.map((l, i) => descriptor(ref, l, `layers[${i}]`)),
  };
}

/** Every blob a manifest points at: the config, then the layers. */
export function blobsOf(manifest: ImageManifest): Descriptor[] {
  return [manifest.config, ...manifest.layers];
}
