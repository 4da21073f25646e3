/**
 * Fuzz target: image manifests as a registry might send them (the parser
 * and the size check the puller runs on every manifest). Inputs are
 * generated documents with hostile fields, damaged bytes of valid ones, and
 * a few nasty constants; each must parse into a sound manifest that then
 * passes or fails the size check cleanly, or be refused as `bad_artifact`.
 *
 * @module
 */
import fc from "fast-check";
import { checkArtifactSize, OciError, parseManifest } from "../../src/oci/mod.ts";
import {
  byteDamageArb,
  checkParsed,
  damage,
  descriptorArb,
  MEDIA_TYPES,
  NASTY_DOCUMENTS,
} from "./_manifest_parts.ts";
import { expectClearError, type FuzzTarget } from "./_target.ts";

/** One input: the body, the `Content-Type` it came with, and the size limit in force. */
export interface ManifestCase {
  readonly bytes: Uint8Array;
  readonly contentType: string | null;
  readonly maxBytes: number;
}

const encoder = new TextEncoder();
const REF = "fuzz.example/m:1.0.0";

const documentArb = fc.record({
  schemaVersion: fc.oneof(
    { weight: 6, arbitrary: fc.constant(2) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  ),
  mediaType: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...MEDIA_TYPES.slice(0, 4)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
  ),
  artifactType: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
  config: descriptorArb,
  layers: fc.oneof(
    { weight: 6, arbitrary: fc.array(descriptorArb, { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  ),
  manifests: fc.array(descriptorArb, { maxLength: 2 }),
}, { requiredKeys: ["schemaVersion", "config", "layers"] });

const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 5, arbitrary: documentArb.map((d) => encoder.encode(JSON.stringify(d))) },
  {
    weight: 4,
    arbitrary: fc.tuple(documentArb, byteDamageArb).map(([d, damages]) =>
      damage(encoder.encode(JSON.stringify(d)), damages)
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(...NASTY_DOCUMENTS).map((t) => encoder.encode(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
);

const arbitrary: fc.Arbitrary<ManifestCase> = fc.record({
  bytes: bytesArb,
  contentType: fc.oneof(
    fc.constant(null),
    fc.constantFrom(...MEDIA_TYPES).map((t) => `${t}; charset=utf-8`),
    fc.string(),
  ),
  maxBytes: fc.oneof(fc.integer({ min: 1, max: 1_000_000 }), fc.constant(268435456)),
});

/** The target. */
export const ociManifestTarget: FuzzTarget<ManifestCase> = {
  name: "oci-manifest",
  description: "image manifests: parseManifest() then checkArtifactSize(), as the puller runs them",
  arbitrary,
  property(value: ManifestCase): void {
    const refused = (e: unknown) =>
      expectClearError(e, (w) => w instanceof OciError && w.reason === "bad_artifact");
    let manifest;
    try {
      manifest = parseManifest(value.bytes, value.contentType, REF);
    } catch (error) {
      refused(error);
      return;
    }
    checkParsed(manifest);
    if (manifest.kind === "manifest") {
      try {
        checkArtifactSize(manifest, value.maxBytes, REF);
        const total = [manifest.config, ...manifest.layers].reduce((n, d) => n + d.size, 0);
        if (total > value.maxBytes) {
          throw new Error(`${total} bytes passed a ${value.maxBytes} limit`);
        }
      } catch (error) {
        refused(error);
      }
    }
  },
};
