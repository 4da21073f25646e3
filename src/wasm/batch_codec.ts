/**
 * Packs a batch of records (or accumulate groups) and their outcomes into one
 * ArrayBuffer, so a batch crosses to an isolation worker and back as two
 * transferred buffers rather than as thousands of cloned objects. Payloads
 * decode as views into the buffer: no copy on the receiving side.
 *
 * @module
 */
import type { DataModel, DataTimestamp, Hlc, MessageSchema } from "../base/mod.ts";
import { type AccumulateGroup, Failure, type Rec } from "../engine/mod.ts";
import type { Outcome } from "./operator_core.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends little-endian values to a growing buffer. */
class Writer {
  #buf = new Uint8Array(4096);
  #view = new DataView(this.#buf.buffer);
  #at = 0;

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#at));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.#room(1);
    this.#buf[this.#at++] = v;
  }
  u32(v: number): void {
    this.#room(4);
    this.#view.setUint32(this.#at, v, true);
    this.#at += 4;
  }
  f64(v: number): void {
    this.#room(8);
    this.#view.setFloat64(this.#at, v, true);
    this.#at += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.#room(b.length);
    this.#buf.set(b, this.#at);
    this.#at += b.length;
  }
  str(s: string): void {
    this.bytes(encoder.encode(s));
  }
  /** The written bytes as their own ArrayBuffer, ready to transfer. */
  finish(): ArrayBuffer {
    return this.#buf.buffer.slice(0, this.#at);
  }
}

/** Reads what {@linkcode Writer} wrote. */
class Reader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #at = 0;
  constructor(buffer: ArrayBuffer) {
    this.#buf = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
  }
  u8(): number {
    return this.#buf[this.#at++]!;
  }
  u32(): number {
    const v = this.#view.getUint32(this.#at, true);
    this.#at += 4;
    return v;
  }
  f64(): number {
    const v = this.#view.getFloat64(this.#at, true);
    this.#at += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    const b = this.#buf.subarray(this.#at, this.#at + n);
    this.#at += n;
    return b;
  }
  str(): string {
    return decoder.decode(this.bytes());
  }
}

function writeHlc(w: Writer, t: Hlc): void {
  w.f64(t.ms);
  w.f64(t.counter);
  w.str(t.node);
}

function readHlc(r: Reader): Hlc {
  return { ms: r.f64(), counter: r.f64(), node: r.str() };
}

function writeStamp(w: Writer, t: DataTimestamp): void {
  w.f64(t.secs);
  w.u32(t.nanos);
  w.f64(t.counter);
  w.str(t.node);
}

function readStamp(r: Reader): DataTimestamp {
  return { secs: r.f64(), nanos: r.u32(), counter: r.f64(), node: r.str() };
}

function writeSchema(w: Writer, s: MessageSchema | null): void {
  if (s === null) w.u8(0);
  else if (s.kind === "registry-reference") {
    w.u8(1);
    w.str(s.reference);
  } else {
    w.u8(2);
    w.str(s.name);
    w.str(s.content);
  }
}

function readSchema(r: Reader): MessageSchema | null {
  const tag = r.u8();
  if (tag === 0) return null;
  if (tag === 1) return { kind: "registry-reference", reference: r.str() };
  return { kind: "inline", name: r.str(), content: r.str() };
}

function writeData(w: Writer, d: DataModel): void {
  switch (d.kind) {
    case "message":
      w.u8(0);
      writeStamp(w, d.timestamp);
      w.bytes(d.topic);
      w.u8(d.contentType === null ? 0 : 1);
      if (d.contentType !== null) w.str(d.contentType);
      w.bytes(d.payload);
      w.u32(d.userProperties.length);
      for (const [k, v] of d.userProperties) {
        w.str(k);
        w.str(v);
      }
      writeSchema(w, d.schema);
      return;
    case "snapshot":
      w.u8(1);
      writeStamp(w, d.timestamp);
      w.str(d.format);
      w.u32(d.width);
      w.u32(d.height);
      w.bytes(d.frame);
      return;
    case "bytes":
      w.u8(2);
      w.bytes(d.bytes);
  }
}

function readData(r: Reader): DataModel {
  const kind = r.u8();
  if (kind === 0) {
    const timestamp = readStamp(r);
    const topic = r.bytes();
    const contentType = r.u8() === 1 ? r.str() : null;
    const payload = r.bytes();
    const n = r.u32();
    const userProperties: Array<readonly [string, string]> = [];
    for (let i = 0; i < n; i++) userProperties.push([r.str(), r.str()]);
    return {
      kind: "message",
      timestamp,
      topic,
      contentType,
      payload,
      userProperties,
      schema: readSchema(r),
    };
  }
  if (kind === 1) {
    return {
      kind: "snapshot",
      timestamp: readStamp(r),
      format: r.str(),
      width: r.u32(),
      height: r.u32(),
      frame: r.bytes(),
    };
  }
  return { kind: "bytes", bytes: r.bytes() };
}

/** Packs records (tag 0) or accumulate groups (tag 1). */
export function encodeItems(
  items: readonly Rec[] | readonly AccumulateGroup[],
  groups: boolean,
): ArrayBuffer {
  const w = new Writer();
  w.u8(groups ? 1 : 0);
  w.u32(items.length);
  for (const item of items) {
    writeHlc(w, item.time);
    if (groups) {
      const g = item as AccumulateGroup;
      writeData(w, g.staged);
      w.u32(g.inputs.length);
      for (const d of g.inputs) writeData(w, d);
    } else {
      writeData(w, (item as Rec).data);
    }
  }
  return w.finish();
}

/** Unpacks what {@linkcode encodeItems} packed. */
export function decodeItems(buffer: ArrayBuffer): Rec[] | AccumulateGroup[] {
  const r = new Reader(buffer);
  const groups = r.u8() === 1;
  const n = r.u32();
  if (groups) {
    const out: AccumulateGroup[] = [];
    for (let i = 0; i < n; i++) {
      const time = readHlc(r);
      const staged = readData(r);
      const k = r.u32();
      const inputs: DataModel[] = [];
      for (let j = 0; j < k; j++) inputs.push(readData(r));
      out.push({ time, staged, inputs });
    }
    return out;
  }
  const out: Rec[] = [];
  for (let i = 0; i < n; i++) out.push({ time: readHlc(r), data: readData(r) });
  return out;
}

/** Packs outcomes: failures, values, booleans or HLCs. */
export function encodeOutcomes(outcomes: readonly Outcome[]): ArrayBuffer {
  const w = new Writer();
  w.u32(outcomes.length);
  for (const o of outcomes) {
    if (o instanceof Failure) {
      w.u8(0);
      w.str(o.reason);
    } else if (typeof o === "boolean") {
      w.u8(2);
      w.u8(o ? 1 : 0);
    } else if ("ms" in o) {
      w.u8(3);
      writeHlc(w, o);
    } else {
      w.u8(1);
      writeData(w, o);
    }
  }
  return w.finish();
}

/** Unpacks what {@linkcode encodeOutcomes} packed. */
export function decodeOutcomes(buffer: ArrayBuffer): Outcome[] {
  const r = new Reader(buffer);
  const n = r.u32();
  const out: Outcome[] = [];
  for (let i = 0; i < n; i++) {
    const tag = r.u8();
    if (tag === 0) out.push(new Failure(r.str()));
    else if (tag === 2) out.push(r.u8() === 1);
    else if (tag === 3) out.push(readHlc(r));
    else out.push(readData(r));
  }
  return out;
}
