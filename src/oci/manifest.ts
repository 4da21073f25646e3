/**
 * Manifests as Weir reads them: OCI image manifests (with or without
 * `artifactType`), Docker v2 schema 2 manifests, and the indexes (OCI image
 * index, Docker manifest list) that point at them. Anything else is refused
 * with what was found.
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import { OciError, type OciErrorReason } from "./errors.ts";
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

/** Manifests are small; the distribution spec lets registries refuse above 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** How {@linkcode parseManifest} words and classes its errors. */
export interface ParseManifestOptions {
  /** The error's subject. @default `The manifest of "<ref>"` */
  readonly what?: string;
  /** @default "bad_artifact" */
  readonly reason?: OciErrorReason;
}

const MANIFEST_TYPES = new Set([OCI_MANIFEST, DOCKER_MANIFEST]);
const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST]);

type Obj = Record<string, unknown>;

type Bad = (problem: string) => never;

/** A value from the document for a message, cut short: a hostile one may be megabytes. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Only the string values: annotations are text, whatever a registry sends. */
function stringValues(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return Object.fromEntries(
    Object.entries(value as Obj).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

function descriptor(bad: Bad, value: unknown, where: string): Descriptor {
  const d = (value !== null && typeof value === "object" ? value : {}) as Obj;
  if (typeof d.mediaType !== "string" || d.mediaType === "") {
    bad(`${where} has no mediaType`);
  }
  if (typeof d.digest !== "string" || !/^sha256:[a-f0-9]{64}$/.test(d.digest)) {
    bad(`${where} has the digest ${shown(d.digest)}, expected sha256:<64 hex>`);
  }
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    bad(`${where} has the size ${shown(d.size)}, expected a whole number of bytes`);
  }
  const annotations = stringValues(d.annotations);
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...defined({ annotations }),
    ...(typeof d.artifactType === "string" ? { artifactType: d.artifactType } : {}),
    ...(typeof d.data === "string" ? { data: d.data } : {}),
  };
}

/**
 * Parses manifest bytes. The media type comes from the body, else from the
 * `Content-Type` the registry sent.
 *
 * @throws {OciError} reason `bad_artifact` (or `options.reason`) naming what is wrong.
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string | null,
  ref: string,
  options: ParseManifestOptions = {},
): Manifest {
  const what = options.what ?? `The manifest of "${ref}"`;
  const bad: Bad = (problem) => {
    throw new OciError(options.reason ?? "bad_artifact", `${what} is not usable: ${problem}`);
  };
  let body: Obj;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes)) as Obj;
  } catch {
    bad("it is not JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    bad("it is not a JSON object");
  }
  if (body.schemaVersion !== 2) {
    bad(
      `found schemaVersion ${
        shown(body.schemaVersion)
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
    if (!Array.isArray(body.manifests)) bad("the index has no manifests list");
    return {
      kind: "index",
      mediaType,
      manifests: body.manifests.map((m, i) => descriptor(bad, m, `manifests[${i}]`)),
    };
  }
  if (!MANIFEST_TYPES.has(mediaType)) {
    bad(
      `found the media type ${
        shown(mediaType)
      }, expected an OCI or Docker v2 image manifest or index`,
    );
  }
  if (!Array.isArray(body.layers)) bad("it has no layers list");
  return {
    kind: "manifest",
    mediaType,
    ...(typeof body.artifactType === "string" ? { artifactType: body.artifactType } : {}),
    config: descriptor(bad, body.config, "config"),
    layers: body.layers.map((l, i) => descriptor(bad, l, `layers[${i}]`)),
  };
}

/** Every blob a manifest points at: the config, then the layers. */
export function blobsOf(manifest: ImageManifest): Descriptor[] {
  return [manifest.config, ...manifest.layers];
}
