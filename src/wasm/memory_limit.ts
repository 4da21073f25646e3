/**
 * Caps the linear memory a core module may grow to, by rewriting the maximum
 * in its memory section before compiling it. A component defines its memory
 * inside, so this is the one place the host can bound it; a module that
 * grows past the cap sees `memory.grow` fail and traps, and the host
 * survives.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";

/** Bytes per WebAssembly page. */
export const PAGE_SIZE = 65_536;

function readU32(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, at];
    shift += 7;
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

/** Rewrites one memory section so every memory has a maximum of at most `maxPages`. */
function capSection(body: Uint8Array, maxPages: number): number[] {
  let [count, at] = readU32(body, 0);
  const out = writeU32(count);
  while (count-- > 0) {
    const flags = body[at++]!;
    if (flags & 0x04) {
      throw new WeirError("module_invalid", "64-bit memories are not supported");
    }
    let min: number;
    let max: number | undefined;
    [min, at] = readU32(body, at);
    if (flags & 0x01) [max, at] = readU32(body, at);
    if (min > maxPages) {
      throw new WeirError(
        "module_invalid",
        `Module needs ${min} pages (${
          (min * PAGE_SIZE) / 2 ** 20
        } MiB) of memory at start; the cap is ${maxPages} pages`,
      );
    }
    const capped = Math.min(max ?? maxPages, maxPages);
    out.push(flags | 0x01, ...writeU32(min), ...writeU32(capped));
  }
  return out;
}

/** A copy of a core module whose memories may grow to at most `maxBytes`. */
export function capMemory(module: Uint8Array, maxBytes: number): Uint8Array {
  const maxPages = Math.max(1, Math.floor(maxBytes / PAGE_SIZE));
  const parts: (Uint8Array | number[])[] = [module.subarray(0, 8)];
  let at = 8;
  while (at < module.length) {
    const id = module[at]!;
    const [size, bodyAt] = readU32(module, at + 1);
    const end = bodyAt + size;
    if (id === 5) {
      const body = capSection(module.subarray(bodyAt, end), maxPages);
      parts.push([5, ...writeU32(body.length), ...body]);
    } else {
      parts.push(module.subarray(at, end));
    }
    at = end;
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
