/**
 * Reads a body of unknown length without trusting its sender: bytes are
 * counted as they arrive and reading stops once a limit is passed, whatever
 * `Content-Length` said (or did not say), so a registry that streams forever
 * costs at most the limit in memory.
 *
 * @module
 */

/** What was read: at most `limit` bytes, and whether the body had more. */
export interface BoundedBody {
  readonly bytes: Uint8Array;
  /** True when the body went past the limit (and was cancelled there). */
  readonly overflow: boolean;
}

/** Reads at most `limit` bytes of a stream; cancels it as soon as it goes past. */
export async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<BoundedBody> {
  if (body === null) return { bytes: new Uint8Array(), overflow: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let overflow = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.length > limit) {
        chunks.push(value.subarray(0, limit - length));
        length = limit;
        overflow = true;
        break;
      }
      chunks.push(value);
      length += value.length;
    }
  } finally {
    if (overflow) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes, overflow };
}
