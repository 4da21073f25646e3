/**
 * Reads a tar file member by member, trusting nothing in it: every header
 * is checksummed and its size parsed strictly, every size must fit in what
 * is left of the file, pax and GNU long-name records are bounded, and all
 * reads go through one queue at explicit offsets, so a member a visitor left
 * unread cannot disturb the next header. Understands the pax and GNU records
 * other tools write, so a bundle repacked with `tar` still imports.
 *
 * @module
 */
import { OciError } from "./errors.ts";
import { BLOCK, type TarEntry, tarPadding } from "./tar.ts";
import {
  checksumMatches,
  numberField,
  parsePax,
  type PaxValues,
  shownField,
  textField,
} from "./tar_fields.ts";

/** The largest pax or GNU long-name record read; real ones are a few hundred bytes. */
const MAX_RECORD_BYTES = 1024 * 1024;
const CHUNK = 256 * 1024;
const decoder = new TextDecoder();

/** Reads at explicit offsets, one read at a time, whoever asks. */
class QueuedReader {
  #file: Deno.FsFile;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Up to `length` bytes at `position` (fewer only where the file ends). */
  read(position: number, length: number): Promise<Uint8Array> {
    const run = this.#tail.then(() => this.#readAt(position, length));
    this.#tail = run.catch(() => {});
    return run;
  }

  async #readAt(position: number, length: number): Promise<Uint8Array> {
    await this.#file.seek(position, Deno.SeekMode.Start);
    const out = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = await this.#file.read(out.subarray(got));
      if (n === null) break;
      got += n;
    }
    return out.subarray(0, got);
  }
}

/**
 * Visits every member of a tar file in order. `visit` gets each file's
 * content as a stream, readable only until `visit` returns; whatever it
 * leaves unread is skipped.
 *
 * @throws {OciError} reason `bad_bundle` when a header is damaged, a size is
 *   not a whole number of bytes or runs past the end, or the file ends early.
 */
export async function readTar(
  file: Deno.FsFile,
  label: string,
  visit: (entry: TarEntry, content: ReadableStream<Uint8Array>) => Promise<void>,
): Promise<void> {
  const bad = (problem: string): never => {
    throw new OciError("bad_bundle", `The bundle "${label}" is not a valid tar file: ${problem}`);
  };
  const total = (await file.stat()).size;
  const reader = new QueuedReader(file);
  let position = 0;
  let pax: PaxValues = {};
  let longName: string | undefined;
  for (;;) {
    const block = await reader.read(position, BLOCK);
    if (block.length === 0) bad(`it ends at byte ${position} without its two closing zero blocks`);
    if (block.length < BLOCK) bad(`it ends inside a header at byte ${position}`);
    if (block.every((b) => b === 0)) return;
    if (!checksumMatches(block)) bad(`the header at byte ${position} has a wrong checksum`);
    const flag = String.fromCharCode(block[156]!);
    const fieldSize = numberField(block, 124, 12);
    if (fieldSize === undefined) {
      bad(
        `the header at byte ${position} has the size "${
          shownField(block, 124, 12)
        }", expected octal digits`,
      );
    }
    const meta = flag === "x" || flag === "g" || flag === "L" || flag === "K";
    const size = meta ? fieldSize! : pax.size ?? fieldSize!;
    const start = position + BLOCK;
    if (size > total - start) {
      bad(
        `the member at byte ${position} claims ${size} bytes, but only ${
          Math.max(0, total - start)
        } follow`,
      );
    }
    position = start + size + tarPadding(size).length;
    if (flag === "x" || flag === "L") {
      if (size > MAX_RECORD_BYTES) {
        bad(`the ${flag === "x" ? "pax" : "long-name"} record at byte ${start} has ${size} bytes`);
      }
      const bytes = await reader.read(start, size);
      if (flag === "L") longName = decoder.decode(bytes).replace(/\0+$/, "");
      else {
        const parsed = parsePax(bytes);
        if (typeof parsed === "string") bad(parsed);
        else pax = { ...pax, ...parsed };
      }
      continue;
    }
    if (meta) continue; // global pax records and GNU long link names change nothing here
    const prefix = textField(block, 345, 155);
    const short = textField(block, 0, 100);
    const name = (pax.path ?? longName ?? (prefix === "" ? short : `${prefix}/${short}`))
      .replace(/^\.\//, "");
    pax = {};
    longName = undefined;
    const type = flag === "0" || flag === "\0" || flag === "7"
      ? "file"
      : flag === "5"
      ? "directory"
      : "other";
    await visitMember(reader, { name, type, size: type === "file" ? size : 0 }, start, visit);
  }
}

async function visitMember(
  reader: QueuedReader,
  entry: TarEntry,
  start: number,
  visit: (entry: TarEntry, content: ReadableStream<Uint8Array>) => Promise<void>,
): Promise<void> {
  let offset = 0;
  let open = true;
  const content = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!open) {
        return controller.error(
          new OciError("bad_bundle", `"${entry.name}" was read after its turn had passed`),
        );
      }
      if (offset >= entry.size) return controller.close();
      const chunk = await reader.read(start + offset, Math.min(CHUNK, entry.size - offset));
      if (chunk.length === 0) {
        return controller.error(new OciError("bad_bundle", `"${entry.name}" is cut short`));
      }
      offset += chunk.length;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  try {
    await visit(entry, content);
  } finally {
    open = false;
    if (!content.locked) await content.cancel().catch(() => {});
  }
}
