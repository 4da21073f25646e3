/**
 * The module cache: a restart on cached modules reads the bindings and the
 * component's world from disk (jco is not loaded), a broken cache entry is
 * replaced rather than left in the way, and the cache says when a module runs
 * on jco's slower generic call path.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256Hex } from "../src/base/mod.ts";
import { compileModule } from "../src/wasm/mod.ts";
import { modulePath, modulesBuilt, modulesNote } from "./_modules.ts";

Deno.test({
  name: "compileModule() caches bindings and world by digest, and repairs a broken entry" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const cacheDir = await Deno.makeTempDir({ prefix: "weir-cache-" });
    try {
      const bytes = await Deno.readFile(modulePath("temperature"));
      const digest = sha256Hex(bytes);
      // A broken entry from an earlier crash: a folder without meta.json.
      await Deno.mkdir(join(cacheDir, digest), { recursive: true });
      await Deno.writeTextFile(join(cacheDir, digest, "junk"), "x");
      const first = await compileModule(bytes, "temperature", { cacheDir });
      assert.equal(first.slowReason, undefined, "Weir's Rust modules take the lean path");
      const meta = JSON.parse(await Deno.readTextFile(join(cacheDir, digest, "meta.json")));
      assert.equal(meta.lean, true);
      assert.match(await Deno.readTextFile(join(cacheDir, `${digest}.wit`)), /export /);
      const leftovers = [];
      for await (const e of Deno.readDir(cacheDir)) if (e.name.includes(".tmp-")) leftovers.push(e);
      assert.deepEqual(leftovers, [], "no half-written entries left behind");
      const again = await compileModule(bytes, "temperature", { cacheDir });
      assert.deepEqual(again.info, first.info);
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "compileModule() says why a module runs on jco's generic call path" + modulesNote("py-map"),
  ignore: !modulesBuilt("py-map"),
  fn: async () => {
    const m = await compileModule(await Deno.readFile(modulePath("py-map")), "py-map");
    assert.ok(m.slowReason !== undefined && m.slowReason.length > 0, "componentize-py output");
  },
});
