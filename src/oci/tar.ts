/**
 * Just enough tar for offline bundles: a ustar writer (regular files and
 * folders). The reader is in `tar_read.ts`.
 *
 * @module
 */

/** The tar block size: headers and padded contents are whole blocks. */
export const BLOCK = 512;
const encoder = new TextEncoder();

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
