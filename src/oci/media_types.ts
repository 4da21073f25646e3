/**
 * The media types of the artifacts AIO publishes (docs/aio-compatibility.md, "Packaging") and of
 * the manifests that carry them.
 *
 * @module
 */

/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index. */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** Docker image manifest v2 schema 2. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker manifest list. */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

/** The `Accept` header of manifest requests: every form Weir can read. */
export const MANIFEST_ACCEPT: string = [
  OCI_MANIFEST,
  OCI_INDEX,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
]
  .join(", ");

/** The empty JSON config (`{}`) of OCI 1.1 artifacts. */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** The config media type of AIO graph artifacts (an empty blob). */
export const AIO_GRAPH_CONFIG = "application/vnd.microsoft.aio.graph.v1+yaml";
/** The artifact type `oras push --artifact-type` gives AIO modules. */
export const MODULE_ARTIFACT_TYPE = "application/vnd.module.wasm.content.layer.v1+wasm";
/** The plain WebAssembly layer type. */
export const WASM_LAYER = "application/wasm";
/** wasm-to-oci's layer type, used by AIO for modules and (in one workaround) graphs. */
export const WASM_CONTENT_LAYER = "application/vnd.wasm.content.layer.v1+wasm";
/** wasm-to-oci's config type. */
export const WASM_CONFIG = "application/vnd.wasm.config.v1+json";
/** The YAML layer type of graph artifacts. */
export const YAML_LAYER = "application/yaml";

/** Layer types that hold a WebAssembly module. */
export const MODULE_LAYER_TYPES: ReadonlySet<string> = new Set([
  WASM_LAYER,
  WASM_CONTENT_LAYER,
  MODULE_ARTIFACT_TYPE,
]);

/** Layer types that hold graph YAML for certain. */
export const YAML_LAYER_TYPES: ReadonlySet<string> = new Set([
  YAML_LAYER,
  "application/x-yaml",
  "text/yaml",
]);

/** The annotation `oras` names a layer's file with. */
export const TITLE_ANNOTATION = "org.opencontainers.image.title";
/** The annotation `oras` records the push time in. */
export const CREATED_ANNOTATION = "org.opencontainers.image.created";
/** The annotation that names an entry of an OCI image layout's `index.json`. */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

/** The first bytes of every WebAssembly binary. */
export const WASM_MAGIC: Uint8Array = new Uint8Array([0x00, 0x61, 0x73, 0x6d]);

/** True when the bytes start like a WebAssembly binary (`\0asm`). */
export function isWasm(head: Uint8Array): boolean {
  return WASM_MAGIC.every((byte, i) => head[i] === byte);
}
