/**
 * Pulling a graph with its modules: module references resolve against the
 * graph's registry (docs/aio-compatibility.md, "Packaging"): under the registry's path prefix, then
 * at the bare host, with the same credentials.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { moduleRefsOf, OciClient, OciError } from "../src/oci/mod.ts";
import { modulePath, modulesNote } from "./_modules.ts";
import { fakeWasm, ORAS_NOTE, orasPush, REGISTRY_NOTE, withRegistry } from "./_registry.ts";
import { samplePath, SAMPLES_SKIP_NOTE } from "./_samples.ts";

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

const SIMPLE_NOTE = ORAS_NOTE || SAMPLES_SKIP_NOTE || modulesNote("temperature");

Deno.test({
  name:
    "OciClient.pullGraph() pulls AIO's graph-simple and its temperature module as oras pushed them" +
    SIMPLE_NOTE,
  ignore: SIMPLE_NOTE !== "",
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const h = registry.host;
      await copyFile(samplePath("graph-simple.yaml"), join(dir, "graph-simple.yaml"));
      await copyFile(modulePath("temperature"), join(dir, "temperature.wasm"));
      // As the samples are published: ghcr.io/azure-samples/explore-iot-operations/<name>:1.0.0.
      const prefix = `${h}/azure-samples/explore-iot-operations`;
      await orasPush(dir, `${prefix}/graph-simple:1.0.0`, "graph", "graph-simple.yaml");
      await orasPush(dir, `${prefix}/temperature:1.0.0`, "module", "temperature.wasm");
      const wasm = new Uint8Array(await readFile(join(dir, "temperature.wasm")));
      // The registry endpoint as AIO's June-2026 runtime has it: the bare host.
      using client = new OciClient({
        registries: [{ host: h, plainHttp: true }],
        cacheDir: join(dir, "cache"),
      });
      const seen = new Set<string>();
      const graph = await client.pullGraph(`${prefix}/graph-simple:1.0.0`, {
        onProgress: (p) => seen.add(`${p.ref} ${p.phase}`),
      });
      assert.equal(
        await readFile(graph.path, "utf8"),
        await readFile(join(dir, "graph-simple.yaml"), "utf8"),
      );
      assert.deepEqual([...graph.modules.keys()], [
        "azure-samples/explore-iot-operations/temperature:1.0.0",
      ]);
      const module = graph.modules.get("azure-samples/explore-iot-operations/temperature:1.0.0")!;
      assert.equal(module.ref, `${prefix}/temperature:1.0.0`);
      assert.equal(module.blobDigest, sha256(wasm));
      assert.deepEqual(new Uint8Array(await readFile(module.path)), wasm);
      assert.ok(seen.has(`${prefix}/temperature:1.0.0 done`), [...seen].join("\n"));
    }),
});

Deno.test({
  name:
    "OciClient.pullGraph() looks under the registry's path prefix first, then at the bare host" +
    REGISTRY_NOTE,
  ignore: REGISTRY_NOTE !== "",
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const h = registry.host;
      const writer = new OciClient({
        registries: [{ host: h, plainHttp: true }],
        cacheDir: join(dir, "w"),
      });
      const underPrefix = fakeWasm(100, 1);
      const atRoot = fakeWasm(100, 2);
      await writeFile(join(dir, "a.wasm"), underPrefix);
      await writeFile(join(dir, "b.wasm"), atRoot);
      await writeFile(
        join(dir, "graph.yaml"),
        `operations:
  - { operationType: "source", name: "source" }
  - { operationType: "map", name: "one", module: "filter:1.0.0" }
  - { operationType: "map", name: "two", module: "shared/format:2.0.0" }
  - { operationType: "map", name: "three", module: "filter:1.0.0" }
  - { operationType: "sink", name: "sink" }
`,
      );
      // README style: module refs without a path; the endpoint's host carries the prefix.
      await writer.pushModule(join(dir, "a.wasm"), `${h}/team/modules/filter:1.0.0`);
      await writer.pushModule(join(dir, "b.wasm"), `${h}/filter:1.0.0`); // must lose to the prefix
      await writer.pushModule(join(dir, "b.wasm"), `${h}/shared/format:2.0.0`); // only at the root
      await writer.pushGraph(join(dir, "graph.yaml"), `${h}/team/modules/flow:1.0.0`);
      writer.close();

      using client = new OciClient({
        registries: [{ host: `${h}/team/modules`, plainHttp: true }],
        cacheDir: join(dir, "cache"),
      });
      // A host-less reference resolves against the one configured registry, under its prefix.
      const graph = await client.pullGraph("flow:1.0.0");
      assert.equal(graph.ref, `${h}/team/modules/flow:1.0.0`);
      assert.deepEqual([...graph.modules.keys()], ["filter:1.0.0", "shared/format:2.0.0"]);
      assert.equal(graph.modules.get("filter:1.0.0")!.ref, `${h}/team/modules/filter:1.0.0`);
      assert.equal(graph.modules.get("filter:1.0.0")!.blobDigest, sha256(underPrefix));
      assert.equal(graph.modules.get("shared/format:2.0.0")!.ref, `${h}/shared/format:2.0.0`);
      assert.equal(graph.modules.get("shared/format:2.0.0")!.blobDigest, sha256(atRoot));

      // The caller may pass the module list it parsed itself.
      const only = await client.pullGraph(`${h}/team/modules/flow:1.0.0`, {
        moduleRefs: ["shared/format:2.0.0"],
      });
      assert.deepEqual([...only.modules.keys()], ["shared/format:2.0.0"]);

      // A module found nowhere names every place tried.
      await assert.rejects(
        client.pullGraph(`${h}/team/modules/flow:1.0.0`, { moduleRefs: ["missing:1.0.0"] }),
        (e: unknown) => {
          assert.ok(e instanceof OciError);
          assert.equal(e.reason, "not_found");
          assert.ok(
            e.message.startsWith(
              `Module "missing:1.0.0" of graph "${h}/team/modules/flow:1.0.0" was found at none of ` +
                `"${h}/team/modules/missing:1.0.0", "${h}/missing:1.0.0": `,
            ),
            e.message,
          );
          return true;
        },
      );
    }),
});

Deno.test("moduleRefsOf() lists each module reference of a graph once, in order", () => {
  const yaml = `operations:
  - { operationType: "source", name: "source" }
  - { operationType: "map", name: "a", module: "x/temperature:1.0.0" }
  - { operationType: "concatenate", name: "c", module: }
  - { operationType: "map", name: "b", module: "x/temperature:1.0.0" }
  - { operationType: "accumulate", name: "d", module: "window:1.0.0" }
`;
  assert.deepEqual(moduleRefsOf(yaml, "g"), ["x/temperature:1.0.0", "window:1.0.0"]);
  assert.throws(() => moduleRefsOf("a: [\n", "g:1"), /The graph "g:1" is not valid YAML/);
});
