/**
 * Fuzz target: offline bundles. Each case is a valid one-module bundle with
 * damage done to it: members inserted (any name, type flag and content, pax
 * and long-name records among them), removed, given other content or a
 * hostile size field, then bytes flipped (sometimes with the header's
 * checksum fixed, to get past it), cut off or appended. Importing it into an
 * empty cache must succeed or fail with `bad_bundle` or `digest_mismatch`.
 *
 * @module
 */
import fc from "fast-check";
import { join } from "node:path";
import { OciClient, OciError } from "../../src/oci/mod.ts";
import { fixChecksum, moduleBundle, paxEntry, type RawEntry, tarBytes } from "../_bundle.ts";
import { expectClearError, type FuzzTarget } from "./_target.ts";

/** A change to the list of members. */
export type MemberChange =
  | { readonly kind: "insert"; readonly at: number; readonly entry: RawEntry }
  | { readonly kind: "remove"; readonly at: number }
  | { readonly kind: "content"; readonly at: number; readonly data: Uint8Array }
  | { readonly kind: "size"; readonly at: number; readonly field: string | Uint8Array };

/** A change to the archive's bytes. */
export type ByteChange =
  | { readonly kind: "flip"; readonly at: number; readonly xor: number; readonly fix: boolean }
  | { readonly kind: "cut"; readonly at: number }
  | { readonly kind: "append"; readonly bytes: Uint8Array };

/** One case: whether members carry pax paths, then the changes, in order. */
export interface BundleCase {
  readonly pax: boolean;
  readonly members: readonly MemberChange[];
  readonly bytes: readonly ByteChange[];
}

const encoder = new TextEncoder();
const BASE = moduleBundle("127.0.0.1:1/fuzz:1.0.0", 1_500);
const BLOCK = 512;

const sizeFieldArb: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.stringMatching(/^[0-7]{1,11}$/).map((s) => `${s.padStart(11, "0")}\0`),
  fc.stringMatching(/^-[0-7]{1,10}$/),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "",
    " ",
    "77777777777\0",
    "10000000000\0",
    "0x10",
    "1e3",
    "NaN",
    "Infinity",
    " 1 2",
    "00000001750 ",
  ),
  fc.tuple(fc.constantFrom(0x80, 0xff, 0xc0), fc.uint8Array({ minLength: 11, maxLength: 11 }))
    .map(([first, rest]) => new Uint8Array([first, ...rest])),
);

const nameArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "index.json",
    "oci-layout",
    "./index.json",
    "blobs/sha256/",
    `blobs/sha256/${BASE.wasmDigest.slice(7)}`,
    `blobs/sha256/${BASE.digest.slice(7)}`,
    `blobs/sha256/${"0".repeat(64)}`,
    "blobs/sha256/zz",
    "../../etc/passwd",
  ),
  fc.string({ maxLength: 120 }),
);

const paxTextArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.dictionary(
    fc.constantFrom("path", "size", "mtime", "linkpath", "GNU.sparse.size", "x"),
    fc.oneof(fc.string({ maxLength: 30 }), fc.nat().map(String), fc.constant("-1")),
  ).map((records) => paxEntry(records).data!),
  fc.string({ maxLength: 80 }).map((t) => encoder.encode(t)),
);

const entryArb: fc.Arbitrary<RawEntry> = fc.oneof(
  fc.record({
    name: nameArb,
    flag: fc.oneof(
      fc.constantFrom("0", "\0", "5", "1", "2", "7", "K", "S", "g"),
      fc.string({ minLength: 1, maxLength: 1 }),
    ),
    data: fc.uint8Array({ maxLength: 3_000 }),
  }),
  fc.record({
    name: fc.constant("PaxHeaders/x"),
    flag: fc.constantFrom("x", "g"),
    data: paxTextArb,
  }),
  fc.record({
    name: fc.constant("././@LongLink"),
    flag: fc.constant("L"),
    data: nameArb.map((n) => encoder.encode(`${n}\0`)),
  }),
  fc.record({
    name: nameArb,
    sizeField: sizeFieldArb.filter((f) => typeof f === "string"),
    data: fc.uint8Array({ maxLength: 1_000 }),
  }),
);

const contentArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => encoder.encode(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 2_000 }),
  fc.constantFrom(
    '{"imageLayoutVersion":"1.0.0"}',
    '{"imageLayoutVersion":"2.0.0"}',
    '{"schemaVersion":2,"manifests":[null]}',
    `{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"${BASE.digest}","size":1e300}]}`,
  ).map((t) => encoder.encode(t)),
);

const memberChangeArb: fc.Arbitrary<MemberChange> = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), entry: entryArb }),
  fc.record({ kind: fc.constant("remove" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("content" as const), at: fc.nat(), data: contentArb }),
  fc.record({ kind: fc.constant("size" as const), at: fc.nat(), field: sizeFieldArb }),
);

const byteChangeArb: fc.Arbitrary<ByteChange> = fc.oneof(
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
    fix: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ maxLength: 1_200 }) }),
);

/** Cases that only add plain members, which must still import (see `onlyExtraMembers`). */
const extraMembersArb: fc.Arbitrary<BundleCase> = fc.record({
  pax: fc.constant(false),
  members: fc.array(
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      entry: fc.record({
        name: fc.string({ maxLength: 120 }),
        flag: fc.constantFrom("0", "5", "1", "2", "7"),
        data: fc.uint8Array({ maxLength: 3_000 }),
      }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  bytes: fc.constant([]),
});

const arbitrary: fc.Arbitrary<BundleCase> = fc.oneof(
  { weight: 1, arbitrary: extraMembersArb },
  {
    weight: 4,
    arbitrary: fc.record({
      pax: fc.boolean(),
      members: fc.array(memberChangeArb, { maxLength: 3 }),
      bytes: fc.array(byteChangeArb, { maxLength: 2 }),
    }),
  },
);

/** Applies member changes, positions taken modulo the list's length. */
function changeMembers(entries: RawEntry[], changes: readonly MemberChange[]): RawEntry[] {
  const out = [...entries];
  for (const change of changes) {
    const at = out.length === 0 ? 0 : change.at % out.length;
    if (change.kind === "insert") out.splice(change.at % (out.length + 1), 0, change.entry);
    else if (out.length === 0) continue;
    else if (change.kind === "remove") out.splice(at, 1);
    else if (change.kind === "content") out[at] = { ...out[at]!, data: change.data };
    else if (typeof change.field === "string") out[at] = { ...out[at]!, sizeField: change.field };
    else out[at] = { ...out[at]!, sizeBytes: change.field };
  }
  return out;
}

/** Applies byte changes; a fixed flip recomputes the checksum of the block it hit. */
function changeBytes(bytes: Uint8Array, changes: readonly ByteChange[]): Uint8Array {
  let out = bytes.slice();
  for (const change of changes) {
    if (change.kind === "append") out = new Uint8Array([...out, ...change.bytes]);
    else if (out.length === 0) continue;
    else if (change.kind === "cut") out = out.slice(0, change.at % out.length);
    else {
      const at = change.at % out.length;
      out[at] = out[at]! ^ change.xor;
      const start = at - (at % BLOCK);
      if (change.fix && start + BLOCK <= out.length) {
        fixChecksum(out.subarray(start, start + BLOCK));
      }
    }
  }
  return out;
}

/** The archive a case describes. */
export function bundleBytes(value: BundleCase): Uint8Array {
  const members = value.pax
    ? BASE.entries.flatMap((e) => [paxEntry({ path: e.name }), { ...e, name: "pax-named" }])
    : BASE.entries;
  return changeBytes(tarBytes(changeMembers(members, value.members)), value.bytes);
}

const PLAIN_FLAGS = new Set(["0", "\0", "5", "1", "2", "7", "S"]);

/**
 * True when a case only adds members an importer must ignore: plain files,
 * folders or links under names the layout does not use, to a bundle without
 * pax records (which would rename the member after them). Such a bundle must import.
 */
export function onlyExtraMembers(value: BundleCase): boolean {
  return !value.pax && value.bytes.length === 0 && value.members.every((change) => {
    if (change.kind !== "insert") return false;
    const { name, flag, sizeField, sizeBytes } = change.entry;
    const path = name.replace(/^(\.\/)+/, "");
    return PLAIN_FLAGS.has(flag ?? "0") && sizeField === undefined && sizeBytes === undefined &&
      path !== "index.json" && path !== "oci-layout" && !path.startsWith("blobs/sha256/");
  });
}

/** The target. */
export const ociBundleTarget: FuzzTarget<BundleCase> = {
  name: "oci-bundle",
  description: "offline bundle tars: OciClient.importBundle() of a damaged valid bundle",
  arbitrary,
  async property(value: BundleCase): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "weir-fuzz-bundle-" });
    try {
      await Deno.writeFile(join(dir, "b.tar"), bundleBytes(value));
      using client = new OciClient({ cacheDir: join(dir, "cache") });
      const mustImport = onlyExtraMembers(value);
      try {
        const result = await client.importBundle(join(dir, "b.tar"));
        for (const ref of result.refs) {
          if (!/^sha256:[a-f0-9]{64}$/.test(ref.digest)) throw new Error(`Imported ${ref.digest}`);
        }
        if (mustImport && (result.refs[0]?.digest !== BASE.digest || result.blobs !== 3)) {
          throw new Error(`Extra members changed the import: ${JSON.stringify(result)}`);
        }
      } catch (error) {
        if (mustImport) throw new Error(`Extra members broke the import: ${error}`);
        expectClearError(
          error,
          (w) =>
            w instanceof OciError && (w.reason === "bad_bundle" || w.reason === "digest_mismatch"),
        );
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};
