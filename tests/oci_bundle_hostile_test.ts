/**
 * Hostile offline bundles, built by hand (no registry needed): headers with
 * negative, non-numeric or oversized sizes, extra members, oversized
 * metadata. Each must import cleanly or fail at once with a `bad_bundle`
 * error; `weir bundle import` must say so in one line.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OciClient, OciError } from "../src/oci/mod.ts";
import {
  fixChecksum,
  moduleBundle,
  paxEntry,
  type RawEntry,
  rawHeader,
  tarBytes,
} from "./_bundle.ts";
import { freePort } from "./_mosquitto.ts";
import { ROOT } from "./_samples.ts";

const encoder = new TextEncoder();

/** Resolves with the promise's outcome, or rejects when it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "weir-bundle-hostile-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Imports raw bytes as a bundle into a fresh cache; rejects after 5 s. */
async function importBytes(dir: string, bytes: Uint8Array, name = "b.tar") {
  const path = join(dir, name);
  await writeFile(path, bytes);
  using client = new OciClient({ cacheDir: join(dir, `cache-${name}`) });
  return await within(client.importBundle(path), 5_000, `importing ${name}`);
}

async function rejectsBadBundle(
  dir: string,
  bytes: Uint8Array,
  name: string,
  pattern: RegExp,
): Promise<void> {
  await assert.rejects(importBytes(dir, bytes, name), (e: unknown) => {
    assert.ok(e instanceof OciError, `${name}: ${e}`);
    assert.equal(e.reason, "bad_bundle", `${name}: ${e.message}`);
    assert.match(e.message, pattern, name);
    return true;
  });
}

function withEntry(at: number, extra: RawEntry, ref = "127.0.0.1:1/m:1.0.0"): Uint8Array {
  const entries = [...moduleBundle(ref).entries];
  entries.splice(at, 0, extra);
  return tarBytes(entries);
}

Deno.test("importBundle() refuses a header with a negative size at once (it looped forever)", () =>
  withDir(async (dir) => {
    const data = new Uint8Array(1000);
    await rejectsBadBundle(
      dir,
      withEntry(2, { name: "evil", data, sizeField: "-0001750\0" }),
      "octal.tar",
      /the header at byte 2048 has the size "-0001750", expected octal digits/,
    );
    // GNU base-256 with the sign bit set is a negative number too.
    const negative = new Uint8Array(12).fill(0xff);
    await rejectsBadBundle(
      dir,
      withEntry(0, { name: "evil", data, sizeBytes: negative }),
      "base256.tar",
      /the header at byte 0 has the size/,
    );
  }));

Deno.test("importBundle() refuses non-numeric and partly numeric sizes with bad_bundle", () =>
  withDir(async (dir) => {
    for (
      const [i, field] of ["zzzzzzzzzz\0", "0001750zz\0", "00017 50\0", "0x3e8\0", "1e3\0"]
        .entries()
    ) {
      for (const at of [0, 2, 5]) {
        await rejectsBadBundle(
          dir,
          withEntry(at, { name: "evil", data: new Uint8Array(1000), sizeField: field }),
          `size-${i}-${at}.tar`,
          /has the size ".*", expected octal digits/,
        );
      }
    }
  }));

Deno.test("weir bundle import of a non-numeric size exits 1 with one line and no stack trace", () =>
  withDir(async (dir) => {
    for (const at of [0, 5]) {
      const tar = join(dir, `nan-${at}.tar`);
      const evil = { name: "evil", data: new Uint8Array(1000), sizeField: "zzzzzzzzzz\0" };
      await writeFile(tar, withEntry(at, evil));
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-ffi",
          "--allow-sys=statfs",
          "--unstable-worker-options",
          join(ROOT, "main.ts"),
          "bundle",
          "import",
          tar,
          "--cache",
          join(dir, `cache-${at}`),
        ],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
        signal: AbortSignal.timeout(30_000), // a looping import is killed, and fails below
      }).output();
      const stderr = new TextDecoder().decode(out.stderr).trimEnd().split("\n");
      assert.equal(out.code, 1, stderr.join("\n"));
      assert.equal(stderr.length, 1, stderr.join("\n"));
      assert.match(
        stderr[0]!,
        /^weir bundle import: The bundle ".*" is not a valid tar file: the header at byte \d+ has the size "zzzzzzzzzz", expected octal digits \[bad_bundle\]$/,
      );
      assert.equal(new TextDecoder().decode(out.stdout), "");
    }
  }));

Deno.test("importBundle() ignores extra members anywhere, and the module then pulls offline", () =>
  withDir(async (dir) => {
    const host = `127.0.0.1:${await freePort()}`; // nothing listens: the pull must go offline
    const bundle = moduleBundle(`${host}/m:1.0.0`, 40_000);
    const extras: RawEntry[] = [
      { name: "README.md", data: encoder.encode("read me ".repeat(300)) },
      { name: "blobs/", flag: "5" },
      { name: "blobs/sha256/link", flag: "2" },
      { name: "notes/big.bin", data: new Uint8Array(700_000).fill(7) },
    ];
    for (const [i, extra] of extras.entries()) {
      for (const at of [0, 2, 3, 5]) {
        const entries = [...bundle.entries];
        entries.splice(at, 0, extra);
        const result = await importBytes(dir, tarBytes(entries), `extra-${i}-${at}.tar`);
        assert.deepEqual(result.refs, [
          { ref: `${host}/m:1.0.0`, digest: bundle.digest, recorded: true },
        ]);
        assert.equal(result.blobs, 3);
      }
    }
    const entries = [...bundle.entries, ...extras];
    await writeFile(join(dir, "all.tar"), tarBytes(entries));
    using client = new OciClient({
      registries: [{ host, plainHttp: true }],
      cacheDir: join(dir, "offline-cache"),
    });
    await client.importBundle(join(dir, "all.tar"));
    const pulled = await client.pullModule(`${host}/m:1.0.0`);
    assert.equal(pulled.offline, true);
    assert.equal(pulled.blobDigest, bundle.wasmDigest);
    assert.deepEqual(new Uint8Array(await readFile(pulled.path)), bundle.wasm);
  }));

Deno.test("importBundle() reads pax and GNU long-name records, and a bundle repacked by GNU tar", () =>
  withDir(async (dir) => {
    const bundle = moduleBundle("127.0.0.1:1/m:1.0.0");
    const [layout, index, ...blobs] = bundle.entries;
    // A pax path and a GNU long name rename the member that follows them.
    const entries: RawEntry[] = [
      paxEntry({ path: "oci-layout", mtime: "1700000000.5" }),
      { ...layout!, name: "ignored-short-name" },
      { name: "././@LongLink", flag: "L", data: encoder.encode("index.json\0") },
      { ...index!, name: "also-ignored" },
      ...blobs,
    ];
    const result = await importBytes(dir, tarBytes(entries), "records.tar");
    assert.equal(result.blobs, 3);
    assert.equal(result.refs[0]?.digest, bundle.digest);

    const tree = join(dir, "tree");
    await Deno.mkdir(join(tree, "blobs", "sha256"), { recursive: true });
    for (const entry of bundle.entries) await writeFile(join(tree, entry.name), entry.data!);
    for (const format of ["posix", "gnu", "ustar"]) {
      const tar = join(dir, `${format}.tar`);
      const out = await new Deno.Command("tar", {
        args: [`--format=${format}`, "-cf", tar, "-C", tree, "."],
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const again = await importBytes(dir, new Uint8Array(await readFile(tar)), `re-${format}`);
      assert.equal(again.refs[0]?.digest, bundle.digest, format);
      assert.equal(again.blobs, 3, format);
    }
  }));

Deno.test("importBundle() refuses sizes past the end, oversized records and truncated files", () =>
  withDir(async (dir) => {
    const ref = "127.0.0.1:1/m:1.0.0";
    const bundle = moduleBundle(ref);
    const valid = tarBytes(bundle.entries);
    // A member that claims 1 GiB in a file of a few KiB.
    await rejectsBadBundle(
      dir,
      withEntry(2, { name: "huge", data: new Uint8Array(10), sizeField: "10000000000\0" }),
      "past-end.tar",
      /the member at byte 2048 claims 1073741824 bytes, but only \d+ follow/,
    );
    // A 2 MiB pax record, and pax records that are not records.
    await rejectsBadBundle(
      dir,
      withEntry(0, { name: "PaxHeaders/x", flag: "x", data: new Uint8Array(2 * 1024 * 1024) }),
      "pax-huge.tar",
      /the pax record at byte 512 has 2097152 bytes/,
    );
    for (const [i, text] of ["hello world", "99 path=x\n", "13 path=abc\n", "7 =abc\n"].entries()) {
      await rejectsBadBundle(
        dir,
        withEntry(0, { name: "PaxHeaders/x", flag: "x", data: encoder.encode(text) }),
        `pax-${i}.tar`,
        /pax record/,
      );
    }
    await rejectsBadBundle(
      dir,
      withEntry(0, paxEntry({ size: "-5" })),
      "pax-size.tar",
      /the pax size "-5" is not a whole number of bytes/,
    );
    // index.json and oci-layout are refused by their header's size, before they are read.
    const bigIndex = { name: "index.json", data: new Uint8Array(5 * 1024 * 1024).fill(0x20) };
    await rejectsBadBundle(
      dir,
      tarBytes([bundle.entries[0]!, bigIndex, ...bundle.entries.slice(2)]),
      "big-index.tar",
      /has a 5242880-byte "index\.json", expected at most 4194304 bytes/,
    );
    const bigLayout = { name: "oci-layout", data: new Uint8Array(100_000).fill(0x20) };
    await rejectsBadBundle(
      dir,
      tarBytes([bigLayout, ...bundle.entries.slice(1)]),
      "big-layout.tar",
      /has a 100000-byte "oci-layout"/,
    );
    // Cut anywhere: inside a header, inside a member, or before the closing blocks.
    for (const cut of [100, 512 + 10, 2048 + 300, valid.length - 1024, valid.length - 700]) {
      await rejectsBadBundle(
        dir,
        valid.subarray(0, cut),
        `cut-${cut}.tar`,
        /ends inside a header|claims \d+ bytes, but only \d+ follow|without its two closing zero blocks/,
      );
    }
    // A damaged header is caught by its checksum.
    const damaged = valid.slice();
    damaged[1024 + 5] = damaged[1024 + 5]! ^ 0x40;
    await rejectsBadBundle(
      dir,
      damaged,
      "checksum.tar",
      /the header at byte 1024 has a wrong checksum/,
    );
    // A header whose checksum is right but whose digits are not octal.
    const header = rawHeader({ name: "evil", data: new Uint8Array(8) });
    header.set(encoder.encode("00000000089\0"), 124);
    fixChecksum(header);
    await rejectsBadBundle(
      dir,
      new Uint8Array([...header, ...new Uint8Array(512), ...valid]),
      "digits.tar",
      /has the size "00000000089", expected octal digits/,
    );
  }));

Deno.test("importBundle() refuses an index.json whose entries are not descriptors, as bad_bundle", () =>
  withDir(async (dir) => {
    const bundle = moduleBundle("127.0.0.1:1/m:1.0.0");
    const indexes: [string, RegExp][] = [
      ['{"schemaVersion":2,"manifests":[null]}', /manifests\[0\] has no mediaType/],
      [
        '{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:zz","size":1}]}',
        /digest/,
      ],
      ['{"schemaVersion":2,"manifests":{}}', /no manifests list/],
      [
        '{"schemaVersion":2,"layers":[],"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"sha256:' +
        "0".repeat(64) + '","size":1}}',
        /an image manifest, not an index/,
      ],
      ["[1,2,3]", /not a JSON object/],
      ["{", /not JSON/],
      [
        JSON.stringify({
          schemaVersion: 2,
          manifests: [{ mediaType: "m", digest: `sha256:${"a".repeat(64)}`, size: 2 ** 40 }],
        }),
        /names a 1099511627776-byte manifest/,
      ],
    ];
    for (const [i, [text, pattern]] of indexes.entries()) {
      const entries = [...bundle.entries];
      entries[1] = { name: "index.json", data: encoder.encode(text) };
      await rejectsBadBundle(dir, tarBytes(entries), `index-${i}.tar`, pattern);
    }
  }));
