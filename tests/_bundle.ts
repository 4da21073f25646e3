/**
 * Offline bundles built by hand, independent of Weir's own tar writer: a
 * small ustar encoder whose header fields can be set to anything (a negative
 * or non-numeric size, a wrong checksum), and a valid one-module bundle to
 * damage. Tests of hostile bundles and the bundle fuzz target share them.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { fakeWasm } from "./_registry.ts";

const BLOCK = 512;
const encoder = new TextEncoder();

/** One member as the test wants it written. */
export interface RawEntry {
  readonly name: string;
  readonly data?: Uint8Array;
  /** The type flag character. @default "0" (a regular file) */
  readonly flag?: string;
  /** The raw text of the size field (12 bytes), instead of the data's length in octal. */
  readonly sizeField?: string;
  /** Raw bytes for the size field (e.g. GNU base-256), instead of text. */
  readonly sizeBytes?: Uint8Array;
}

function put(block: Uint8Array, offset: number, length: number, text: string): void {
  block.set(encoder.encode(text).subarray(0, length), offset);
}

/** Sets a header's checksum field from its contents, as tar does. */
export function fixChecksum(block: Uint8Array): void {
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  block.fill(0, 148, 156);
  put(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
}

/** A ustar header for an entry, with a correct checksum. */
export function rawHeader(entry: RawEntry): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const size = entry.data?.length ?? 0;
  put(block, 0, 100, entry.name);
  put(block, 100, 8, "0000644\0");
  put(block, 108, 8, "0000000\0");
  put(block, 116, 8, "0000000\0");
  if (entry.sizeBytes !== undefined) block.set(entry.sizeBytes.subarray(0, 12), 124);
  else put(block, 124, 12, entry.sizeField ?? size.toString(8).padStart(11, "0") + "\0");
  put(block, 136, 12, "14000000000\0");
  put(block, 156, 1, entry.flag ?? "0");
  put(block, 257, 6, "ustar\0");
  put(block, 263, 2, "00");
  fixChecksum(block);
  return block;
}

/** A whole archive: each header, its data padded to a block, then two zero blocks. */
export function tarBytes(entries: readonly RawEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(rawHeader(entry));
    const data = entry.data ?? new Uint8Array();
    parts.push(data, new Uint8Array((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A pax extended header entry (flag `x`) holding the given records. */
export function paxEntry(records: Record<string, string>): RawEntry {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = encoder.encode(body).length + 1;
    while (String(length).length + encoder.encode(body).length !== length) length++;
    text += `${length}${body}`;
  }
  return { name: "PaxHeaders/x", flag: "x", data: encoder.encode(text) };
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function blob(bytes: Uint8Array): RawEntry {
  return { name: `blobs/sha256/${sha256(bytes).slice(7)}`, data: bytes };
}

/** A valid bundle of one module, as entries so tests can add, remove or damage some. */
export interface ModuleBundle {
  /** oci-layout, index.json, then the config, layer and manifest blobs. */
  readonly entries: RawEntry[];
  readonly ref: string;
  /** The manifest digest the index names. */
  readonly digest: string;
  /** The module's bytes and digest. */
  readonly wasm: Uint8Array;
  readonly wasmDigest: string;
}

/** A bundle holding `ref` (a full reference) as an OCI 1.1 module artifact. */
export function moduleBundle(ref: string, payload = 3_000): ModuleBundle {
  const wasm = fakeWasm(payload, 5);
  const config = encoder.encode("{}");
  const manifest = encoder.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "application/vnd.module.wasm.content.layer.v1+wasm",
    config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256(config), size: 2 },
    layers: [{
      mediaType: "application/wasm",
      digest: sha256(wasm),
      size: wasm.length,
      annotations: { "org.opencontainers.image.title": "m.wasm" },
    }],
  }));
  const index = encoder.encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: sha256(manifest),
      size: manifest.length,
      annotations: { "org.opencontainers.image.ref.name": ref },
    }],
  }));
  return {
    entries: [
      { name: "oci-layout", data: encoder.encode('{"imageLayoutVersion":"1.0.0"}') },
      { name: "index.json", data: index },
      blob(config),
      blob(wasm),
      blob(manifest),
    ],
    ref,
    digest: sha256(manifest),
    wasm,
    wasmDigest: sha256(wasm),
  };
}
