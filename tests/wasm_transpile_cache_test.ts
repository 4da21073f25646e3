/**
 * The bindings cache lives in the data directory, which the gateway can
 * write: an entry whose files do not match the sha256 it recorded is not
 * used, and is replaced.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { transpileComponent } from "../src/wasm/mod.ts";
import { modulePath, modulesBuilt, modulesNote } from "./_modules.ts";

Deno.test({
  name: "transpileComponent() re-transpiles a cache entry whose files do not match its record" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const cacheDir = await Deno.makeTempDir({ prefix: "weir-bindings-" });
    try {
      const bytes = await Deno.readFile(modulePath("temperature"));
      const fresh = await transpileComponent(bytes, { cacheDir });
      const entry = join(cacheDir, fresh.digest);
      const meta = JSON.parse(await Deno.readTextFile(join(entry, "meta.json")));
      assert.equal(Object.keys(meta.sha256).length, fresh.cores.size + 1);

      // A cached hit is what was written.
      assert.equal((await transpileComponent(bytes, { cacheDir })).js, fresh.js);

      // The bindings changed on disk: not used, and the entry is written again.
      await Deno.writeTextFile(join(entry, "op.js"), "\nglobalThis.tampered = true;", {
        append: true,
      });
      const again = await transpileComponent(bytes, { cacheDir });
      assert.equal(again.js, fresh.js);
      assert.equal(await Deno.readTextFile(join(entry, "op.js")), fresh.js);

      // The same for a core module.
      const [core] = [...fresh.cores.keys()];
      await Deno.writeFile(join(entry, core!), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      const third = await transpileComponent(bytes, { cacheDir });
      assert.deepEqual(third.cores.get(core!), fresh.cores.get(core!));
      assert.deepEqual(await Deno.readFile(join(entry, core!)), fresh.cores.get(core!));
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  },
});
