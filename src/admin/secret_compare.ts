/**
 * Comparing a presented secret with the real one without leaking, through
 * timing, how much of it matched: both are hashed to SHA-256 digests of equal
 * length, and the digests are compared in constant time.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** True when `presented` equals `expected`, compared in constant time over their digests. */
export async function sameSecret(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(presented), sha256(expected)]);
  return timingSafeEqual(a, b);
}
