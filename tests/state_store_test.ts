import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hlc } from "../src/base/mod.ts";
import { StateStore } from "../src/wasm/mod.ts";

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
  const store = new StateStore(":memory:", () => now);
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
