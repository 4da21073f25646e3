/**
 * Streams content into the cache while hashing and counting it. The bytes
 * land in a temporary file and move into `blobs/` only when size and digest
 * match the descriptor; on any mismatch the temporary file is deleted and
 * the error names the reference, the expected and the actual digest.
 *
 * @module
 */
import type { OciCache, StagedFile } from "./cache.ts";
import { checkDigest, DigestCounter, type Expected } from "./digest.ts";
import { OciError } from "./errors.ts";
import type { ProgressListener } from "./types.ts";

/** Options for {@linkcode writeVerified}. */
export interface WriteVerifiedOptions {
  readonly onProgress?: ProgressListener | undefined;
  /**
   * Checked against the first bytes (at least 4, or all when fewer): when it
   * returns false the transfer stops and nothing is cached.
   */
  readonly accept?: ((head: Uint8Array) => boolean) | undefined;
}

/** The outcome: the cached path and the first bytes, or `rejected` when `accept` said no. */
export type WriteVerifiedResult =
  | { readonly kind: "stored"; readonly path: string; readonly head: Uint8Array }
  | { readonly kind: "rejected"; readonly head: Uint8Array };

const HEAD_BYTES = 16;

/**
 * Writes a stream into the cache as `expected.digest`, once the disk has room
 * for `expected.size`; a stream longer than that is refused at the first extra chunk.
 *
 * @throws {OciError} `digest_mismatch` when the size or digest differ (nothing cached),
 *   `io` when the disk lacks room or a write fails.
 */
export async function writeVerified(
  stream: ReadableStream<Uint8Array>,
  expected: Expected & { readonly size: number },
  cache: OciCache,
  options: WriteVerifiedOptions = {},
): Promise<WriteVerifiedResult> {
  let staged: StagedFile;
  try {
    await cache.ensureRoom(
      expected.size,
      `${expected.what} ${expected.digest} of "${expected.ref}"`,
    );
    staged = await cache.stage();
  } catch (error) {
    await stream.cancel().catch(() => {});
    throw error;
  }
  const counter = new DigestCounter();
  const head = new Uint8Array(HEAD_BYTES);
  let headLength = 0;
  let checked = options.accept === undefined;
  const report = (phase: "download" | "done") =>
    options.onProgress?.({
      ref: expected.ref,
      phase,
      doneBytes: counter.bytes,
      totalBytes: expected.size,
    });
  const reader = stream.getReader();
  try {
    report("download");
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (headLength < HEAD_BYTES) {
        const take = value.subarray(0, HEAD_BYTES - headLength);
        head.set(take, headLength);
        headLength += take.length;
      }
      counter.update(value);
      if (counter.bytes > expected.size) {
        throw new OciError(
          "digest_mismatch",
          `The ${expected.what} ${expected.digest} of "${expected.ref}" is longer than the ` +
            `${expected.size} bytes its descriptor says (refused: nothing was cached)`,
        );
      }
      if (!checked && headLength >= 4) {
        checked = true;
        if (!options.accept!(head.slice(0, headLength))) {
          await reader.cancel().catch(() => {});
          await cache.discard(staged);
          return { kind: "rejected", head: head.slice(0, headLength) };
        }
      }
      await writeAll(staged.file, value).catch((error) => {
        throw new OciError("io", `Cannot write "${staged.path}": ${(error as Error).message}`, {
          cause: error,
        });
      });
      report("download");
    }
    if (!checked && !options.accept!(head.slice(0, headLength))) {
      await cache.discard(staged);
      return { kind: "rejected", head: head.slice(0, headLength) };
    }
    checkDigest(expected, counter.digest(), counter.bytes);
    const path = await cache.commit(staged, expected.digest);
    report("done");
    return { kind: "stored", path, head: head.slice(0, headLength) };
  } catch (error) {
    await reader.cancel().catch(() => {});
    await cache.discard(staged);
    if (error instanceof OciError) throw error;
    throw new OciError(
      "unreachable",
      `Reading the ${expected.what} ${expected.digest} of "${expected.ref}" failed: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}
