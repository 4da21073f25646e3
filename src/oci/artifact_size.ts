/**
 * The size bound of an artifact: a manifest may name any blob size, and a
 * registry may stream any number of bytes, so before a download the sizes
 * its manifest names (each blob, and all of them together) must stay under a
 * configured maximum.
 *
 * @module
 */
import { OciError } from "./errors.ts";
import { blobsOf, type ImageManifest } from "./manifest.ts";

/** The default maximum artifact size: 256 MiB, well above any module or graph. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;

/**
 * Throws unless the manifest's blobs, one by one and together, fit in `maxBytes`.
 *
 * @throws {OciError} reason `bad_artifact` naming the size and the limit.
 */
export function checkArtifactSize(manifest: ImageManifest, maxBytes: number, ref: string): void {
  const limit = `the maximum artifact size of ${maxBytes} bytes (maxArtifactBytes)`;
  let total = 0;
  for (const blob of blobsOf(manifest)) {
    if (blob.size > maxBytes) {
      throw new OciError(
        "bad_artifact",
        `"${ref}" names the blob ${blob.digest} of ${blob.size} bytes, more than ${limit}`,
      );
    }
    total += blob.size;
  }
  if (total > maxBytes) {
    throw new OciError(
      "bad_artifact",
      `"${ref}" names ${total} bytes of blobs in all, more than ${limit}`,
    );
  }
}
