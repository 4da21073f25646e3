import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { hlc, WeirError } from "../src/base/mod.ts";
import { StateStore, StateStoreQuotaError } from "../src/wasm/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const k = (s: string) => enc.encode(s);

Deno.test("StateStore set/get/del/vdel follow the AIO state store rules", () => {
  const store = new StateStore(":memory:");
  try {
    assert.deepEqual(store.get(k("a")), {});
    const first = store.set(k("a"), k("1"), { condition: "unconditional" });
    assert.equal(first.written, true);
    assert.ok(first.version);
    assert.equal(dec.decode(store.get(k("a")).value!), "1");
    assert.deepEqual(store.get(k("a")).version, first.version);
    // only-if-does-not-exist (SET NX)
    assert.equal(store.set(k("a"), k("2"), { condition: "only-if-does-not-exist" }).written, false);
    // only-if-equal-or-does-not-exist (NEX): same value re-acquires, another value does not
    assert.equal(
      store.set(k("a"), k("1"), { condition: "only-if-equal-or-does-not-exist" }).written,
      true,
    );
    assert.equal(
      store.set(k("a"), k("9"), { condition: "only-if-equal-or-does-not-exist" }).written,
      false,
    );
    assert.equal(store.vdel(k("a"), k("9")), -1);
    assert.equal(store.vdel(k("a"), k("1")), 1);
    assert.equal(store.del(k("a")), 0);
  } finally {
    store.close();
  }
});

Deno.test("StateStore refuses writes with an older fencing token", () => {
  const store = new StateStore(":memory:");
  try {
    store.set(k("counter"), k("1"), {
      condition: "unconditional",
      fencingToken: hlc(200, 0, "lock"),
    });
    assert.throws(
      () =>
        store.set(k("counter"), k("2"), {
          condition: "unconditional",
          fencingToken: hlc(100, 0, "lock"),
        }),
      /Fencing token for key "counter" is older/,
    );
    assert.equal(
      store.set(k("counter"), k("3"), {
        condition: "unconditional",
        fencingToken: hlc(300, 0, "lock"),
      }).written,
      true,
    );
    assert.throws(() => store.del(k("counter"), hlc(250, 0, "lock")), /older/);
  } finally {
    store.close();
  }
});

Deno.test("StateStore expires keys after their time to live", () => {
  let now = 1_000;
  const store = new StateStore(":memory:", { now: () => now });
  try {
    store.set(k("lock"), k("me"), { condition: "unconditional", expiresMs: 10_000 });
    now = 10_999;
    assert.equal(dec.decode(store.get(k("lock")).value!), "me");
    now = 11_000;
    assert.deepEqual(store.get(k("lock")), {});
    assert.equal(
      store.set(k("lock"), k("you"), { condition: "only-if-does-not-exist" }).written,
      true,
    );
  } finally {
    store.close();
  }
});

Deno.test("StateStore shares state between connections to one file and seeds from statestore.json", async () => {
  const dir = await mkdtemp(join(tmpdir(), "weir-state-test-"));
  const a = new StateStore(join(dir, "s.db"));
  const b = new StateStore(join(dir, "s.db"));
  try {
    a.seed([{ factoryId: "factoryA" }, { machineId: "machineA" }]);
    assert.equal(dec.decode(b.get(k("factoryId")).value!), "factoryA");
    assert.equal(dec.decode(b.get(k("machineId")).value!), "machineA");
  } finally {
    a.close();
    b.close();
    await rm(dir, { recursive: true });
  }
});

const put = (store: StateStore, key: string, value: string | Uint8Array, expiresMs?: number) =>
  store.set(k(key), typeof value === "string" ? k(value) : value, {
    condition: "unconditional",
    ...(expiresMs === undefined ? {} : { expiresMs }),
  });

Deno.test("StateStore refuses a new key past maxKeys; overwrites and deletes still pass", () => {
  const store = new StateStore(":memory:", { quota: { maxKeys: 3 } });
  try {
    for (const key of ["a", "b", "c"]) assert.equal(put(store, key, "1").written, true);
    assert.throws(
      () => put(store, "d", "1"),
      (e: unknown) =>
        e instanceof StateStoreQuotaError && e instanceof WeirError &&
        e.code === "quota_exceeded" &&
        e.message === 'State store quota exceeded: key "d" would take the store past "3" keys',
    );
    assert.deepEqual(store.get(k("d")), {});
    assert.equal(put(store, "a", "2").written, true);
    assert.equal(store.del(k("b")), 1);
    assert.equal(put(store, "d", "1").written, true);
    assert.deepEqual(store.usage(), { keys: 3, bytes: 6 });
  } finally {
    store.close();
  }
});

Deno.test("StateStore counts bytes of keys and values; a shrinking write passes over the quota", () => {
  const store = new StateStore(":memory:", { quota: { maxBytes: 100 } });
  try {
    put(store, "k1", new Uint8Array(48)); // 50 bytes
    put(store, "k2", new Uint8Array(48)); // 100 bytes: exactly the quota
    assert.deepEqual(store.usage(), { keys: 2, bytes: 100 });
    assert.throws(() => put(store, "k3", ""), /past "100" bytes/);
    assert.throws(() => put(store, "k1", new Uint8Array(49)), /past "100" bytes/);
    assert.equal(put(store, "k1", new Uint8Array(10)).written, true);
    assert.deepEqual(store.usage(), { keys: 2, bytes: 62 });
    assert.equal(store.vdel(k("k2"), new Uint8Array(48)), 1);
    assert.deepEqual(store.usage(), { keys: 1, bytes: 12 });
  } finally {
    store.close();
  }
  // A quota lowered below what the file holds: nothing grows, anything shrinks.
  const small = new StateStore(":memory:", { quota: { maxBytes: 10 } });
  try {
    assert.throws(() => put(small, "big", new Uint8Array(20)), StateStoreQuotaError);
  } finally {
    small.close();
  }
});

Deno.test("StateStore purges expired keys before refusing a write", () => {
  let now = 1_000;
  const store = new StateStore(":memory:", { now: () => now, quota: { maxKeys: 2 } });
  try {
    put(store, "lease1", "x", 500);
    put(store, "lease2", "x", 500);
    assert.throws(() => put(store, "n", "x"), StateStoreQuotaError);
    now = 1_500;
    assert.equal(put(store, "n", "x").written, true);
    assert.deepEqual(store.usage(), { keys: 1, bytes: 2 });
  } finally {
    store.close();
  }
});

Deno.test("StateStore connections to one file share one quota; a file from before quotas is counted", async () => {
  const dir = await mkdtemp(join(tmpdir(), "weir-state-test-"));
  const path = join(dir, "s.db");
  // The table as it was before quotas, with two keys (2 + 3 bytes each).
  const old = new DatabaseSync(path);
  old.exec(
    "CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, version TEXT NOT NULL, fence TEXT, expires INTEGER)",
  );
  const insert = old.prepare("INSERT INTO kv (key, value, version) VALUES (?, ?, '0')");
  insert.run(k("o1"), k("abc"));
  insert.run(k("o2"), k("abc"));
  old.close();
  const a = new StateStore(path, { quota: { maxKeys: 4 } });
  const b = new StateStore(path, { quota: { maxKeys: 4 } });
  try {
    assert.deepEqual(a.usage(), { keys: 2, bytes: 10 });
    put(a, "a", "1");
    put(b, "b", "1");
    assert.throws(() => put(a, "c", "1"), StateStoreQuotaError);
    assert.throws(() => put(b, "c", "1"), StateStoreQuotaError);
    assert.deepEqual(b.usage(), { keys: 4, bytes: 14 });
  } finally {
    a.close();
    b.close();
    await rm(dir, { recursive: true });
  }
});
