/**
 * Fuzz target: image indexes and Docker manifest lists, as a registry or a
 * bundle's `index.json` might hold them. Each must parse into an index of
 * sound descriptors (or a sound image manifest, when its media type says
 * so), or be refused as `bad_artifact`.
 *
 * @module
 */
import fc from "fast-check";
import { OciError, parseManifest } from "../../src/oci/mod.ts";
import {
  byteDamageArb,
  checkParsed,
  damage,
  descriptorArb,
  MEDIA_TYPES,
  NASTY_DOCUMENTS,
} from "./_manifest_parts.ts";
import { expectClearError, type FuzzTarget } from "./_target.ts";

/** One input: the body and the media type it is read as. */
export interface IndexCase {
  readonly bytes: Uint8Array;
  readonly contentType: string | null;
}

const encoder = new TextEncoder();

const documentArb = fc.record({
  schemaVersion: fc.oneof(
    { weight: 6, arbitrary: fc.constant(2) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  ),
  mediaType: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(MEDIA_TYPES[1]!, MEDIA_TYPES[3]!) },
    { weight: 1, arbitrary: fc.constantFrom(...MEDIA_TYPES) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  ),
  manifests: fc.oneof(
    { weight: 6, arbitrary: fc.array(descriptorArb, { maxLength: 6 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  ),
  annotations: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 })),
}, { requiredKeys: ["schemaVersion", "manifests"] });

const arbitrary: fc.Arbitrary<IndexCase> = fc.record({
  bytes: fc.oneof(
    { weight: 5, arbitrary: documentArb.map((d) => encoder.encode(JSON.stringify(d))) },
    {
      weight: 4,
      arbitrary: fc.tuple(documentArb, byteDamageArb).map(([d, damages]) =>
        damage(encoder.encode(JSON.stringify(d)), damages)
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(...NASTY_DOCUMENTS).map((t) => encoder.encode(t)) },
  ),
  contentType: fc.oneof(
    fc.constant(MEDIA_TYPES[1]!),
    fc.constant(null),
    fc.constantFrom(...MEDIA_TYPES),
    fc.string(),
  ),
});

/** The target. */
export const ociIndexTarget: FuzzTarget<IndexCase> = {
  name: "oci-index",
  description: "image indexes and manifest lists: parseManifest() as the puller and bundles run it",
  arbitrary,
  property(value: IndexCase): void {
    let manifest;
    try {
      manifest = parseManifest(value.bytes, value.contentType, "fuzz.example/i:1.0.0");
    } catch (error) {
      expectClearError(error, (w) => w instanceof OciError && w.reason === "bad_artifact");
      return;
    }
    checkParsed(manifest);
  },
};
