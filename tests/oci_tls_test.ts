/**
 * HTTPS registries with a private CA: trusted through the registry's
 * `tls.ca`, refused without it.
 */
import { testCertificates } from "./_tls.ts";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OciClient, OciError } from "../src/oci/mod.ts";
import { fakeWasm, REGISTRY_NOTE, startRegistry } from "./_registry.ts";

Deno.test({
  name: "OciClient trusts an HTTPS registry through its tls.ca and refuses it without" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "weir-oci-tls-" });
    const tls = await testCertificates(dir, "weir OCI test CA");
    const registry = await startRegistry({ tls });
    try {
      const h = registry.host;
      const wasm = fakeWasm(20_000);
      await writeFile(join(dir, "m.wasm"), wasm);
      using trusted = new OciClient({
        registries: [{ host: h, tls: { ca: tls.ca } }],
        cacheDir: join(dir, "cache"),
      });
      await trusted.pushModule(join(dir, "m.wasm"), `${h}/secure/m:1.0.0`);
      const pulled = await trusted.pullModule(`${h}/secure/m:1.0.0`);
      assert.deepEqual(new Uint8Array(await readFile(pulled.path)), wasm);

      using untrusted = new OciClient({ registries: [{ host: h }], cacheDir: join(dir, "other") });
      await assert.rejects(untrusted.pullModule(`${h}/secure/m:1.0.0`), (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "unreachable");
        assert.match(
          e.message,
          new RegExp(
            `Cannot reach registry "${h}" \\(GET https://${h}/v2/secure/m/manifests/1\\.0\\.0\\)`,
          ),
        );
        return true;
      });
      using missingCa = new OciClient({
        registries: [{ host: h, tls: { ca: join(dir, "nope.pem") } }],
        cacheDir: join(dir, "third"),
      });
      await assert.rejects(
        missingCa.pullModule(`${h}/secure/m:1.0.0`),
        /Cannot read the CA file ".*nope\.pem"/,
      );
    } finally {
      await registry.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
