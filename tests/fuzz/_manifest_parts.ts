/**
 * Pieces the manifest and index fuzz targets share: descriptors whose every
 * field may be right, nearly right or any JSON at all; byte-level damage to a
 * serialized document; and the shape every parsed manifest must have.
 *
 * @module
 */
import fc from "fast-check";
import type { Descriptor, Manifest } from "../../src/oci/mod.ts";

/** The media types the parser knows, and a few it must not confuse with them. */
export const MEDIA_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v1+prettyjws",
  "application/wasm",
  "application/yaml",
  "application/vnd.oci.empty.v1+json",
  "",
];

const hex64 = fc.stringMatching(/^[a-f0-9]{64}$/);

/** A digest: mostly valid, sometimes almost (wrong case, length, algorithm), sometimes anything. */
export const digestArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hex64.map((h) => `sha256:${h}`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "sha256:",
      `sha256:${"A".repeat(64)}`,
      `sha256:${"a".repeat(63)}`,
      `sha256:${"a".repeat(65)}`,
      `sha512:${"a".repeat(128)}`,
      `sha256:${"a".repeat(64)}\n`,
      `sha256:../../${"a".repeat(58)}`,
    ),
  },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** A size: mostly a whole number, sometimes hostile (negative, fractional, huge, not a number). */
export const sizeArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.nat() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      -1,
      -0,
      0.5,
      2 ** 53,
      2 ** 63,
      1e308,
      Number.MAX_SAFE_INTEGER,
      268435456,
      268435457,
      4 * 1024 * 1024 + 1,
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const mediaTypeArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...MEDIA_TYPES) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const annotationsArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(
    fc.oneof(fc.constantFrom("org.opencontainers.image.title", "__proto__"), fc.string()),
    fc.string(),
  ),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A descriptor object whose fields may each be missing, valid or hostile. */
export const descriptorArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      mediaType: mediaTypeArb,
      digest: digestArb,
      size: sizeArb,
      annotations: annotationsArb,
      artifactType: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
      data: fc.oneof(fc.base64String(), fc.jsonValue({ maxDepth: 1 })),
    }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** One way to damage bytes. */
export type ByteDamage =
  | { readonly kind: "flip"; readonly at: number; readonly xor: number }
  | { readonly kind: "cut"; readonly at: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: Uint8Array };

/** Up to four byte-level damages. */
export const byteDamageArb: fc.Arbitrary<ByteDamage[]> = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant("flip" as const),
      at: fc.nat(),
      xor: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      bytes: fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 16 }),
        fc.constantFrom(...['"', "{", "[", "]", "}", ",", ":", "\\", "-", "1e999", "\u0000"]).map((
          t,
        ) => new TextEncoder().encode(t)),
      ),
    }),
  ),
  { minLength: 1, maxLength: 4 },
);

/** The bytes after the damages, positions taken modulo the length at each step. */
export function damage(bytes: Uint8Array, damages: readonly ByteDamage[]): Uint8Array {
  let out = bytes.slice();
  for (const d of damages) {
    const at = out.length === 0 ? 0 : d.at % (out.length + (d.kind === "flip" ? 0 : 1));
    if (d.kind === "flip" && out.length > 0) out[at] = out[at]! ^ d.xor;
    if (d.kind === "cut") out = out.slice(0, at);
    if (d.kind === "insert") {
      out = new Uint8Array([...out.subarray(0, at), ...d.bytes, ...out.subarray(at)]);
    }
  }
  return out;
}

/** Documents no generator would stumble on: deep nesting, huge numbers, odd encodings. */
export const NASTY_DOCUMENTS: readonly string[] = [
  "[".repeat(100_000),
  `{"schemaVersion":2,"layers":${"[".repeat(50_000)}${"]".repeat(50_000)}}`,
  `{"schemaVersion":2,"manifests":${"[".repeat(50_000)}`,
  '{"schemaVersion":2e0,"layers":[],"config":{}}',
  '{"schemaVersion":2,"layers":[],"config":{"mediaType":"a","digest":"sha256:' + "a".repeat(64) +
  '","size":1e400}}',
  '\ufeff{"schemaVersion":2}',
  '{"schemaVersion":2,"__proto__":{"layers":[]},"config":null}',
  '{"schemaVersion":2,"manifests":[],"layers":[]}',
  "null",
  "",
  "\u0000",
];

const DIGEST = /^sha256:[a-f0-9]{64}$/;

function checkDescriptor(d: Descriptor, where: string): void {
  const problems: string[] = [];
  if (typeof d.mediaType !== "string" || d.mediaType === "") problems.push("mediaType");
  if (typeof d.digest !== "string" || !DIGEST.test(d.digest)) problems.push("digest");
  if (!Number.isSafeInteger(d.size) || d.size < 0) problems.push("size");
  if (
    d.annotations !== undefined &&
    Object.values(d.annotations).some((v) => typeof v !== "string")
  ) problems.push("annotations");
  if (d.artifactType !== undefined && typeof d.artifactType !== "string") {
    problems.push("artifactType");
  }
  if (d.data !== undefined && typeof d.data !== "string") problems.push("data");
  if (problems.length > 0) {
    throw new Error(`Parsed ${where} has bad ${problems.join(", ")}: ${JSON.stringify(d)}`);
  }
}

/** Throws unless a parsed manifest has the shape its type promises, every descriptor sound. */
export function checkParsed(manifest: Manifest): void {
  if (typeof manifest.mediaType !== "string") throw new Error("Parsed mediaType is not text");
  if (manifest.kind === "index") {
    if (!Array.isArray(manifest.manifests)) throw new Error("Parsed index has no manifests list");
    manifest.manifests.forEach((d, i) => checkDescriptor(d, `manifests[${i}]`));
  } else {
    if (!Array.isArray(manifest.layers)) throw new Error("Parsed manifest has no layers list");
    checkDescriptor(manifest.config, "config");
    manifest.layers.forEach((d, i) => checkDescriptor(d, `layers[${i}]`));
  }
}
