/**
 * Little-endian byte writing and reading over a mailbox's shared memory:
 * numbers, strings, byte blocks and tensors, written in place so a tensor's
 * bytes are copied once on the way in and once on the way out.
 *
 * @module
 */
import { NnError } from "./nn_error.ts";
import { type NamedTensor, TENSOR_TYPES, type TensorValue } from "./tensor.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Where a writer writes: a length-tracking view and a way to make room. */
export interface WriteTarget {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Makes the memory at least `end` bytes long, or throws `too-large`. */
  ensure(end: number): void;
}

/** Writes values one after the other from `start`. */
export class ByteWriter {
  #at: number;
  readonly #t: WriteTarget;

  /** Writes into `target` from byte `start`. */
  constructor(target: WriteTarget, start: number) {
    this.#t = target;
    this.#at = start;
  }

  /** The offset of the next byte. */
  get offset(): number {
    return this.#at;
  }

  #room(n: number): number {
    const at = this.#at;
    if (at + n > this.#t.bytes.byteLength) this.#t.ensure(at + n);
    this.#at = at + n;
    return at;
  }

  /** One byte. */
  u8(v: number): void {
    const at = this.#room(1);
    this.#t.view.setUint8(at, v);
  }

  /** An unsigned 32-bit number. */
  u32(v: number): void {
    const at = this.#room(4);
    this.#t.view.setUint32(at, v, true);
  }

  /** A length-prefixed byte block. */
  block(b: Uint8Array): void {
    this.u32(b.byteLength);
    // Make room first: growing replaces the view.
    const at = this.#room(b.byteLength);
    this.#t.bytes.set(b, at);
  }

  /** A length-prefixed UTF-8 string. */
  string(s: string): void {
    this.block(encoder.encode(s));
  }

  /** A named tensor: name, type index, dimensions, data. */
  tensor(t: NamedTensor): void {
    this.string(t.name);
    this.u8(TENSOR_TYPES.indexOf(t.tensor.type));
    this.u32(t.tensor.dimensions.length);
    for (const d of t.tensor.dimensions) this.u32(d);
    this.block(t.tensor.data);
  }

  /** A count-prefixed list of tensors. */
  tensors(list: readonly NamedTensor[]): void {
    this.u32(list.length);
    for (const t of list) this.tensor(t);
  }
}

/** Reads values one after the other; byte blocks come out as copies. */
export class ByteReader {
  #at: number;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #end: number;

  /** Reads `bytes` from `start` up to `end`. */
  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#at = start;
    this.#end = end;
  }

  #take(n: number): number {
    const at = this.#at;
    if (at + n > this.#end) throw new NnError("runtime-error", "Truncated wasi-nn message");
    this.#at = at + n;
    return at;
  }

  /** One byte. */
  u8(): number {
    return this.#view.getUint8(this.#take(1));
  }

  /** An unsigned 32-bit number. */
  u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }

  /** A length-prefixed byte block, copied out. */
  block(): Uint8Array {
    const n = this.u32();
    const at = this.#take(n);
    return this.#bytes.slice(at, at + n);
  }

  /** A length-prefixed UTF-8 string. */
  string(): string {
    const n = this.u32();
    const at = this.#take(n);
    return decoder.decode(this.#bytes.subarray(at, at + n));
  }

  /** A named tensor. */
  tensor(): NamedTensor {
    const name = this.string();
    const type = TENSOR_TYPES[this.u8()];
    if (!type) throw new NnError("runtime-error", "Unknown tensor type in wasi-nn message");
    const rank = this.u32();
    const dimensions: number[] = [];
    for (let i = 0; i < rank; i++) dimensions.push(this.u32());
    const tensor: TensorValue = { dimensions, type, data: this.block() };
    return { name, tensor };
  }

  /** A count-prefixed list of tensors. */
  tensors(): NamedTensor[] {
    const n = this.u32();
    const out: NamedTensor[] = [];
    for (let i = 0; i < n; i++) out.push(this.tensor());
    return out;
  }
}
