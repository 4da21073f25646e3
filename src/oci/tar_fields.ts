/**
 * The fields of a tar header and of pax records, read strictly: a size is a
 * run of octal digits (or GNU's positive base-256 form, or a decimal pax
 * `size`), never negative, never partly numeric, always a safe integer. A
 * field that breaks those rules gives `undefined`, and the reader refuses the
 * archive: a size it cannot trust would send it to the wrong place.
 *
 * @module
 */

const SPACE = 0x20;
const ZERO = 0x30;
const SEVEN = 0x37;
const decoder = new TextDecoder();

/**
 * A numeric header field: optional leading spaces, octal digits, then only
 * spaces and NULs (an all-blank field is 0); or base-256 with the first byte
 * 0x80. Undefined for anything else, negative base-256 included.
 */
export function numberField(block: Uint8Array, offset: number, length: number): number | undefined {
  const field = block.subarray(offset, offset + length);
  if (field[0] === 0x80) {
    let value = 0;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  let i = 0;
  while (i < field.length && field[i] === SPACE) i++;
  let value = 0;
  for (; i < field.length && field[i]! >= ZERO && field[i]! <= SEVEN; i++) {
    value = value * 8 + (field[i]! - ZERO);
  }
  for (; i < field.length; i++) if (field[i] !== 0 && field[i] !== SPACE) return undefined;
  return Number.isSafeInteger(value) ? value : undefined;
}

/** True when the checksum field matches the header (as unsigned or, for old tars, signed bytes). */
export function checksumMatches(block: Uint8Array): boolean {
  const stored = numberField(block, 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < block.length; i++) {
    const byte = i >= 148 && i < 156 ? SPACE : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** A NUL-terminated text field. */
export function textField(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** A field's raw text for a message: printable, short. */
export function shownField(block: Uint8Array, offset: number, length: number): string {
  const text = Array.from(
    block.subarray(offset, offset + length),
    (b) => b === 0 ? "" : b >= SPACE && b < 0x7f ? String.fromCharCode(b) : "?",
  ).join("");
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}

/** What a pax extended header says about the next entry. */
export interface PaxValues {
  readonly path?: string;
  readonly size?: number;
}

/**
 * Parses pax records (`<length> <key>=<value>\n`, the length counting the
 * whole record in bytes). Keeps `path` and `size`; other keys are ignored.
 *
 * @returns the values, or a sentence saying what is malformed.
 */
export function parsePax(bytes: Uint8Array): PaxValues | string {
  const values: { path?: string; size?: number } = {};
  let at = 0;
  while (at < bytes.length) {
    if (bytes.subarray(at).every((b) => b === 0)) break; // NUL padding after the records
    const space = bytes.subarray(at, at + 21).indexOf(SPACE);
    const digits = space < 0 ? "" : decoder.decode(bytes.subarray(at, at + space));
    if (!/^[1-9][0-9]*$/.test(digits)) return `a pax record at offset ${at} has no length`;
    const length = Number(digits);
    const end = at + length;
    if (end > bytes.length || length <= space + 2 || bytes[end - 1] !== 0x0a) {
      return `the pax record at offset ${at} claims ${length} bytes, which do not end in a newline`;
    }
    const record = decoder.decode(bytes.subarray(at + space + 1, end - 1));
    const equals = record.indexOf("=");
    if (equals <= 0) return `the pax record at offset ${at} has no key=value`;
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === "path") values.path = value;
    if (key === "size") {
      const size = /^[0-9]{1,16}$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(size)) {
        return `the pax size "${value.slice(0, 24)}" is not a whole number of bytes`;
      }
      values.size = size;
    }
    at = end;
  }
  return values;
}
