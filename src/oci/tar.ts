/**
 * Just enough tar for offline bundles: a ustar writer (regular files and
 * folders) and a reader that also understands the pax and GNU long-name
 * records other tools write, so a bundle repacked with `tar` still imports.
 *
 * @module
 */
import { OciError } from "./errors.ts";

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One member of an archive. */
export interface TarEntry {
  /** The path inside the archive, without a leading `./`. */
  readonly name: string;
  /** `file`, `directory`, or `other` (links, devices: skipped by readers). */
  readonly type: "file" | "directory" | "other";
  readonly size: number;
}

function writeString(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > length) throw new RangeError(`"${text}" does not fit in ${length} bytes`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

/** Splits a long path into ustar's prefix (≤155) and name (≤100) at a slash. */
function splitName(path: string): [string, string] {
  if (encoder.encode(path).length <= 100) return ["", path];
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) {
      return [prefix, name];
    }
  }
  throw new RangeError(`The path "${path}" is too long for a ustar header`);
}

/** A ustar header block. */
export function tarHeader(entry: TarEntry, mtime: Date = new Date()): Uint8Array {
  const header = new Uint8Array(BLOCK);
  const [prefix, name] = splitName(
    entry.type === "directory" ? `${entry.name.replace(/\/$/, "")}/` : entry.name,
  );
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, entry.type === "directory" ? 0o755 : 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, entry.type === "directory" ? 0 : entry.size);
  writeOctal(header, 136, 12, Math.floor(mtime.getTime() / 1000));
  header.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  writeString(header, 156, 1, entry.type === "directory" ? "5" : "0");
  writeString(header, 257, 6, "ustar\0");
  writeString(header, 263, 2, "00");
  writeString(header, 345, 155, prefix);
  const sum = header.reduce((a, b) => a + b, 0);
  writeString(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

/** Zero bytes that pad `size` up to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const TAR_END: Uint8Array = new Uint8Array(BLOCK * 2);

function readString(block: Uint8Array, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return decoder.decode(end < 0 ? slice : slice.subarray(0, end));
}

function readNumber(block: Uint8Array, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if ((field[0]! & 0x80) !== 0) {
    // GNU base-256 for sizes beyond 8 GiB.
    let value = field[0]! & 0x7f;
    for (const b of field.subarray(1)) value = value * 256 + b;
    return value;
  }
  const text = readString(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return readNumber(block, 148, 8) === sum;
}

async function readAt(file: Deno.FsFile, position: number, length: number): Promise<Uint8Array> {
  await file.seek(position, Deno.SeekMode.Start);
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = await file.read(out.subarray(got));
    if (n === null) break;
    got += n;
  }
  return out.subarray(0, got);
}

function paxPath(text: string): string | undefined {
  // Records: "<length> <key>=<value>\n".
  for (const line of text.split("\n")) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Visits every member of a tar file. `visit` gets each file's content as a
 * stream; whatever it leaves unread is skipped.
 *
 * @throws {OciError} reason `bad_bundle` when a header is damaged or the file ends early.
 */
export async function readTar(
  file: Deno.FsFile,
  label: string,
  visit: (entry: TarEntry, content: ReadableStream<Uint8Array>) => Promise<void>,
): Promise<void> {
  const bad = (problem: string): never => {
    throw new OciError("bad_bundle", `The bundle "${label}" is not a valid tar file: ${problem}`);
  };
  let position = 0;
  let longName: string | undefined;
  for (;;) {
    const block = await readAt(file, position, BLOCK);
    if (block.length < BLOCK) bad(`it ends inside a header at byte ${position}`);
    if (block.every((b) => b === 0)) return;
    if (!checksumOk(block)) bad(`the header at byte ${position} has a wrong checksum`);
    const size = readNumber(block, 124, 12);
    const flag = String.fromCharCode(block[156]!);
    const start = position + BLOCK;
    position = start + size + tarPadding(size).length;
    if (flag === "x" || flag === "L") {
      const text = decoder.decode(await readAt(file, start, size));
      longName = flag === "L" ? text.replace(/\0+$/, "") : paxPath(text) ?? longName;
      continue;
    }
    if (flag === "g") continue;
    const prefix = readString(block, 345, 155);
    const short = readString(block, 0, 100);
    const name = (longName ?? (prefix === "" ? short : `${prefix}/${short}`)).replace(/^\.\//, "");
    longName = undefined;
    const type = flag === "0" || flag === "\0" || flag === "7"
      ? "file"
      : flag === "5"
      ? "directory"
      : "other";
    let offset = 0;
    const content = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (type !== "file" || offset >= size) return controller.close();
        const chunk = await readAt(file, start + offset, Math.min(256 * 1024, size - offset));
        if (chunk.length === 0) return controller.error(new Error(`"${name}" is cut short`));
        offset += chunk.length;
        controller.enqueue(chunk);
      },
    });
    await visit({ name, type, size: type === "file" ? size : 0 }, content);
  }
}
