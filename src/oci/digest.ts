/**
 * sha256 content digests (`sha256:<hex>`), computed incrementally so large
 * blobs are checked while they stream rather than after.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";
import { OciError } from "./errors.ts";

export { sha256Digest } from "../base/mod.ts";

/** The 64 hex digits of a `sha256:<hex>` digest. */
export function digestHex(digest: string): string {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new OciError(
      "protocol",
      `Found the digest "${digest}", expected sha256: and 64 hex digits`,
    );
  }
  return digest.slice("sha256:".length);
}

/** Counts and hashes bytes as they pass; compares against what a descriptor promised. */
export class DigestCounter {
  #hash: Hash = createHash("sha256");
  #bytes = 0;

  /** Adds a chunk. */
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.#bytes += chunk.byteLength;
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The digest of everything seen; call once, at the end. */
  digest(): string {
    return `sha256:${this.#hash.digest("hex")}`;
  }
}

/** What a download of `what` should have been, to name in a mismatch. */
export interface Expected {
  /** `manifest` or `blob`, for the message. */
  readonly what: string;
  /** The reference it belongs to. */
  readonly ref: string;
  readonly digest: string;
  readonly size?: number | undefined;
}

/** Throws `digest_mismatch` unless size and digest match what was expected. */
export function checkDigest(expected: Expected, actualDigest: string, actualSize: number): void {
  if (expected.size !== undefined && expected.size !== actualSize) {
    throw new OciError(
      "digest_mismatch",
      `The ${expected.what} ${expected.digest} of "${expected.ref}" has ${actualSize} bytes, ` +
        `expected ${expected.size} (refused: nothing was cached)`,
    );
  }
  if (expected.digest !== actualDigest) {
    throw new OciError(
      "digest_mismatch",
      `The ${expected.what} of "${expected.ref}" has the digest ${actualDigest}, expected ` +
        `${expected.digest} (refused: nothing was cached)`,
    );
  }
}
