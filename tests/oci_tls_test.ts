/**
 * HTTPS registries with a private CA: trusted through the registry's
 * `tls.ca`, refused without it.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { OciClient, OciError } from "../src/oci/mod.ts";
import { fakeWasm, REGISTRY_NOTE, startRegistry } from "./_registry.ts";

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it. */
async function certificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const openssl = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    })
      .output();
    if (!out.success) {
      throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
    }
  };
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    "req",
    "-x509",
    ...key,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=weir OCI test CA",
  );
  await openssl(
    "req",
    ...key,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  await writeFile(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  await openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "san.ext",
  );
  return { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
}

Deno.test({
  name: "OciClient trusts an HTTPS registry through its tls.ca and refuses it without" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "weir-oci-tls-" });
    const tls = await certificates(dir);
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
