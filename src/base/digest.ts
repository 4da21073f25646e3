/**
 * Content digests: artifacts, graph versions and caches are all named by
 * their sha256.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The lowercase hex sha256 of bytes or of a string's UTF-8. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The content digest of bytes or of a string's UTF-8, `sha256:<hex>`. */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${sha256Hex(data)}`;
}
