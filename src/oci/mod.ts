/**
 * Pulls WebAssembly modules and AIO graph definitions from OCI registries,
 * verifies every byte against its digest, and keeps them in a
 * content-addressed cache that still answers when the registry is out of
 * reach; pushes them in the shapes AIO uses (so `oras` and AIO read them);
 * and carries them to air-gapped gateways as OCI-layout tar bundles.
 * Hand-written on `fetch`: anonymous, basic and bearer-token registries,
 * HTTPS (with an optional CA), and plain HTTP only on loopback.
 *
 * Besides pulling by full reference, `pullGraph` and `pullModule` also take
 * host-less references (`temperature:1.0.0`) when exactly one registry (or
 * one named `default`) is configured; results carry `blobDigest`,
 * `mediaType` and `offline`; pushes return a {@linkcode PushedArtifact};
 * errors are {@linkcode OciError}s (a `WeirError` with a finer `reason`).
 *
 * @example
 * ```ts ignore
 * import { OciClient, defaultCacheDir } from "./mod.ts";
 *
 * using client = new OciClient({
 *   registries: [{ host: "ghcr.io/azure-samples/explore-iot-operations" }],
 *   cacheDir: defaultCacheDir("/var/lib/weir"),
 * });
 * const graph = await client.pullGraph("ghcr.io/azure-samples/explore-iot-operations/graph-simple:1.0.0");
 * for (const [written, module] of graph.modules) console.log(written, module.path, module.blobDigest);
 * if ((await client.resolveDigest(graph.ref)) !== graph.digest) {
 *   // the tag moved: pull again
 * }
 * ```
 *
 * @module
 */
export {
  type ExportBundleOptions,
  type ExportResult,
  OciClient,
  type OciClientOptions,
  type PullGraphOptions,
  type PullOptions,
} from "./client.ts";
export { checkArtifactSize, DEFAULT_MAX_ARTIFACT_BYTES } from "./artifact_size.ts";
export type { ImportedRef, ImportResult } from "./bundle_read.ts";
export { defaultCacheDir } from "./cache.ts";
export { OciError, type OciErrorReason } from "./errors.ts";
export type { FreeSpace } from "./free_space.ts";
export { moduleRefsOf } from "./graph_modules.ts";
export {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type Manifest,
  MAX_MANIFEST_BYTES,
  parseManifest,
  type ParseManifestOptions,
} from "./manifest.ts";
export { formatReference, type OciReference, parseReference } from "./reference.ts";
export { isLoopback, type RegistryConfig } from "./registry_config.ts";
export type {
  ProgressListener,
  PulledArtifact,
  PulledGraph,
  PullPhase,
  PullProgress,
  PushedArtifact,
} from "./types.ts";
