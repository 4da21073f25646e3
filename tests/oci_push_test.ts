/**
 * Pushing with Weir (the client and `weir push`) to a real registry on
 * 127.0.0.1, then reading back with `oras`: same bytes, and the same
 * manifest shape `oras push` makes for AIO (docs/aio-compatibility.md, "Packaging").
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { memoryOutput, runCli } from "../src/cli/mod.ts";
import { OciClient, OciError } from "../src/oci/mod.ts";
import { fakeWasm, oras, ORAS_NOTE, orasPush, withRegistry } from "./_registry.ts";

const GRAPH = `metadata: { name: "Pushed", version: "1.0.0" }
moduleRequirements: { apiVersion: "1.1.0", runtimeVersion: "1.1.0" }
operations:
  - { operationType: "source", name: "source" }
  - { operationType: "sink", name: "sink" }
connections:
  - { from: { name: "source" }, to: { name: "sink" } }
`;

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A manifest with the push time taken out, to compare shapes. */
function shape(json: string): unknown {
  const manifest = JSON.parse(json);
  assert.match(
    manifest.annotations["org.opencontainers.image.created"],
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
  );
  delete manifest.annotations["org.opencontainers.image.created"];
  return manifest;
}

Deno.test({
  name: "OciClient.pushModule() and pushGraph() write what oras pushes; oras pull reads them back" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const h = registry.host;
      const wasm = fakeWasm(300_000);
      await writeFile(join(dir, "celsius.wasm"), wasm);
      await writeFile(join(dir, "graph-pushed.yaml"), GRAPH);
      using client = new OciClient({
        registries: [{ host: h, plainHttp: true }],
        cacheDir: join(dir, "cache"),
      });
      const phases: string[] = [];
      const pushed = await client.pushModule(join(dir, "celsius.wasm"), `${h}/weir/celsius:1.0.0`, {
        onProgress: (p) => phases.push(p.phase),
      });
      assert.equal(pushed.ref, `${h}/weir/celsius:1.0.0`);
      assert.equal(pushed.blobDigest, sha256(wasm));
      assert.ok(phases.includes("upload") && phases.at(-1) === "done", phases.join());
      const graph = await client.pushGraph(
        join(dir, "graph-pushed.yaml"),
        `${h}/weir/graph-pushed:1.0.0`,
      );

      // oras reads both back, byte for byte.
      const out = join(dir, "out");
      await oras(dir, "pull", "--plain-http", "-o", out, `${h}/weir/celsius:1.0.0`);
      await oras(dir, "pull", "--plain-http", "-o", out, `${h}/weir/graph-pushed:1.0.0`);
      assert.deepEqual(new Uint8Array(await readFile(join(out, "celsius.wasm"))), wasm);
      assert.equal(await readFile(join(out, "graph-pushed.yaml"), "utf8"), GRAPH);

      // The manifests have the shape oras gives the same files (only the push time differs).
      const ours = await oras(dir, "manifest", "fetch", "--plain-http", `${h}/weir/celsius:1.0.0`);
      assert.equal(sha256(new TextEncoder().encode(ours.trim())), pushed.digest);
      await orasPush(dir, `${h}/oras/celsius:1.0.0`, "module", "celsius.wasm");
      const theirs = await oras(
        dir,
        "manifest",
        "fetch",
        "--plain-http",
        `${h}/oras/celsius:1.0.0`,
      );
      assert.deepEqual(shape(ours), shape(theirs));
      assert.deepEqual(Object.keys(JSON.parse(ours)), Object.keys(JSON.parse(theirs)));

      const oursGraph = await oras(
        dir,
        "manifest",
        "fetch",
        "--plain-http",
        `${h}/weir/graph-pushed:1.0.0`,
      );
      assert.equal(sha256(new TextEncoder().encode(oursGraph.trim())), graph.digest);
      await orasPush(dir, `${h}/oras/graph-pushed:1.0.0`, "graph", "graph-pushed.yaml");
      const theirsGraph = await oras(
        dir,
        "manifest",
        "fetch",
        "--plain-http",
        `${h}/oras/graph-pushed:1.0.0`,
      );
      assert.deepEqual(shape(oursGraph), shape(theirsGraph));

      // Pushing the same module again sends no blob (HEAD finds them).
      const again: string[] = [];
      await client.pushModule(join(dir, "celsius.wasm"), `${h}/weir/celsius:1.0.1`, {
        onProgress: (p) => again.push(p.phase),
      });
      assert.ok(!again.includes("upload"), again.join());
    }),
});

Deno.test("OciClient.pushModule() and pushGraph() refuse files of the wrong kind before sending", async () => {
  const dir = await Deno.makeTempDir({ prefix: "weir-oci-push-" });
  let requests = 0;
  try {
    await writeFile(join(dir, "not.wasm"), "hello");
    await writeFile(join(dir, "bad.yaml"), "a: [\n");
    using client = new OciClient({
      cacheDir: join(dir, "cache"),
      fetch: () => {
        requests++;
        return Promise.resolve(new Response(null, { status: 500 }));
      },
    });
    await assert.rejects(
      client.pushModule(join(dir, "not.wasm"), "registry.example/x:1"),
      /is not a WebAssembly module/,
    );
    await assert.rejects(
      client.pushGraph(join(dir, "bad.yaml"), "registry.example/x:1"),
      /is not graph YAML/,
    );
    await assert.rejects(
      client.pushGraph(join(dir, "missing.yaml"), "registry.example/x:1"),
      (e: unknown) => {
        assert.ok(e instanceof OciError);
        assert.equal(e.reason, "io");
        return true;
      },
    );
    await writeFile(join(dir, "ok.wasm"), fakeWasm(10));
    await assert.rejects(
      client.pushModule(join(dir, "ok.wasm"), `registry.example/x@sha256:${"a".repeat(64)}`),
      /expected a tag and no digest/,
    );
    assert.equal(requests, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "weir push and weir pull move a module and a graph with its module through a registry" +
    ORAS_NOTE,
  ignore: ORAS_NOTE !== "",
  fn: () =>
    withRegistry({}, async (registry, dir) => {
      const h = registry.host;
      const wasm = fakeWasm(1000);
      await writeFile(join(dir, "celsius.wasm"), wasm);
      await writeFile(
        join(dir, "graph.yaml"),
        GRAPH.replace(
          '  - { operationType: "sink", name: "sink" }',
          '  - { operationType: "map", name: "m", module: "celsius:1.0.0" }\n  - { operationType: "sink", name: "sink" }',
        ),
      );
      const cache = join(dir, "cache");
      const common = ["--plain-http", "--cache", cache];

      const push = memoryOutput();
      assert.equal(
        await runCli([
          "push",
          "module",
          join(dir, "celsius.wasm"),
          `${h}/plant/celsius:1.0.0`,
          ...common,
        ], push),
        0,
      );
      assert.equal(
        await runCli(
          ["push", "graph", join(dir, "graph.yaml"), `${h}/plant/flow:1.0.0`, ...common],
          push,
        ),
        0,
      );
      assert.equal(push.lines.length, 2);
      assert.match(
        push.lines[0]!,
        new RegExp(`^pushed ${h}/plant/celsius:1\\.0\\.0 sha256:[a-f0-9]{64}$`),
      );
      assert.ok(
        push.errors.some((l) => l.startsWith(`uploading ${h}/plant/celsius:1.0.0`)),
        push.errors.join("\n"),
      );

      const pull = memoryOutput();
      assert.equal(await runCli(["pull", `${h}/plant/celsius:1.0.0`, ...common], pull), 0);
      const [, ref, digest, path] = pull.lines[0]!.split(" ");
      assert.equal(ref, `${h}/plant/celsius:1.0.0`);
      assert.match(digest!, /^sha256:/);
      assert.deepEqual(new Uint8Array(await readFile(path!)), wasm);

      const graph = memoryOutput();
      assert.equal(
        await runCli(["pull", "--graph", `${h}/plant/flow:1.0.0`, ...common], graph),
        0,
        graph.errors.join("\n"),
      );
      assert.equal(graph.lines.length, 2);
      assert.match(
        graph.lines[1]!,
        new RegExp(`^module celsius:1\\.0\\.0 ${h}/plant/celsius:1\\.0\\.0 sha256:`),
      );

      // A graph pulled as a module gets a hint; errors are one line with the reason.
      const wrong = memoryOutput();
      assert.equal(await runCli(["pull", `${h}/plant/flow:1.0.0`, ...common], wrong), 1);
      assert.match(
        wrong.errors.at(-1)!,
        /^weir pull: .*\(for a graph definition, add --graph\) \[bad_artifact\]$/,
      );
      const missing = memoryOutput();
      assert.equal(await runCli(["pull", `${h}/plant/nothing:1.0.0`, ...common], missing), 1);
      assert.match(
        missing.errors.at(-1)!,
        /^weir pull: Cannot get the manifest of .*nothing:1\.0\.0.*\[not_found\]$/,
      );
    }),
});

Deno.test("weir pull and push reject bad usage with exit code 2 and one line", async () => {
  const cases: [string[], RegExp][] = [
    [["pull"], /expected one reference, found 0/],
    [["pull", "a/b:1", "--username", "u"], /--username needs --password-env or --password-file/],
    [["pull", "a/b:1", "--password-env", "X"], /need --username/],
    [["pull", "Bad/Ref:1", "--cache", "/tmp/x"], /Reference "Bad\/Ref:1" is invalid/],
    [
      ["pull", "registry.example.com/x:1", "--plain-http", "--cache", "/tmp/x"],
      /plain HTTP to "registry\.example\.com"/,
    ],
    [["push", "module", "only-one-arg"], /expected a file and a reference/],
    [["bundle", "export", "out.tar"], /expected the bundle file and at least one reference/],
    [["bundle", "import"], /expected one bundle file/],
    [["pull", "--nope"], /Unknown option '--nope'/],
  ];
  for (const [args, message] of cases) {
    const output = memoryOutput();
    assert.equal(await runCli(args, output), 2, args.join(" "));
    assert.match(output.errors[0]!, message);
  }
});
