/**
 * `deno task package`: what a release tarball holds, and that its `bin/weir`
 * runs from any folder with nothing fetched, and asks for scoped permissions.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  bundledPackages,
  CAN_PACKAGE,
  elfMachine,
  PACKAGE_NOTE,
  packageScratch,
  sh,
  testPackage,
  unpack,
} from "./_package.ts";
import { ROOT } from "./_samples.ts";

async function files(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const full = join(dir, e.name);
    if (e.isDirectory) out.push(...await files(full, base));
    else out.push(full.slice(base.length + 1));
  }
  return out.sort();
}

Deno.test({
  name:
    "deno task package: the x64 release holds the runtime, bundles, assets, x64 ONNX Runtime only, " +
    "SBOM and checksums" + PACKAGE_NOTE,
  ignore: !CAN_PACKAGE,
  fn: async () => {
    const pkg = await testPackage("x64");
    assert.match(pkg.archive, /weir-\d+\.\d+\.\d+-linux-x64\.tar\.gz$/);
    const rel = await unpack(pkg, join(packageScratch(), "content-x64"));
    const all = await files(rel);
    for (
      const f of [
        "bin/deno",
        "bin/weir",
        "lib/weir/weir.js",
        "lib/weir/operator_worker.js",
        "lib/weir/inference_worker.js",
        "lib/weir/js-component-bindgen-component.core.wasm",
        "lib/weir/wasm-tools.core.wasm",
        "lib/weir/worker-thread.bundle.js",
        "lib/weir/build.json",
        "web/index.html",
        "wit/wasm-graph/worlds.wit",
        "graphs/temperature.yaml",
        "modules/dist/temperature.wasm",
        "modules/dist/models/anomaly-scorer.onnx",
        "node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node",
        "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
        "install.sh",
        "weir.service",
        "sbom.cdx.json",
        "SHA256SUMS",
        "deno.json",
        "package.json",
      ]
    ) assert.ok(all.includes(f), `${f} is missing`);
    // One architecture's native files; no test fixtures, no sources, no npm package trees.
    assert.deepEqual(all.filter((f) => f.includes("/napi-v6/") && !f.includes("/linux/x64/")), []);
    assert.deepEqual(all.filter((f) => /hostile-|\.ts$|oxc|binaryen/.test(f)), []);
    assert.equal(await elfMachine(join(rel, "bin/deno")), 0x3e);
    assert.equal(
      await elfMachine(
        join(rel, "node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node"),
      ),
      0x3e,
    );
    // SHA256SUMS covers every other file and matches.
    const sums = (await Deno.readTextFile(join(rel, "SHA256SUMS"))).trim().split("\n");
    assert.equal(sums.length, all.length - 1);
    const check = await sh("sha256sum", ["--quiet", "--strict", "-c", "SHA256SUMS"], { cwd: rel });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    // build.json says what was built.
    const build = JSON.parse(await Deno.readTextFile(join(rel, "lib/weir/build.json")));
    const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
    assert.equal(build.version, config.version);
    assert.equal(build.target, "linux-x64");
    assert.equal(build.deno, "2.9.6");
    assert.match(build.commit, /^[0-9a-f]{7,}(-dirty)?$|^unknown$/);
    // The unit in the tarball is the one install.sh writes by default.
    const unitDir = await Deno.makeTempDir({ dir: packageScratch() });
    await sh("bash", [join(rel, "install.sh"), "--unit-only", unitDir]);
    assert.equal(
      await Deno.readTextFile(join(rel, "weir.service")),
      await Deno.readTextFile(join(unitDir, "weir.service")),
    );
  },
});

Deno.test({
  name:
    "deno task package: the SBOM lists every bundled and shipped npm package with version and licence" +
    PACKAGE_NOTE,
  ignore: !CAN_PACKAGE,
  fn: async () => {
    const rel = join(packageScratch(), "content-x64", (await testPackage("x64")).name);
    const sbom = JSON.parse(await Deno.readTextFile(join(rel, "sbom.cdx.json")));
    assert.equal(sbom.bomFormat, "CycloneDX");
    assert.equal(sbom.specVersion, "1.5");
    const listed = new Map<string, Record<string, unknown>>();
    for (const c of sbom.components) {
      assert.ok(c.version && c.purl && c.licenses?.length === 1, JSON.stringify(c));
      const l = c.licenses[0];
      assert.ok(l.license?.id || l.expression, `${c.purl} has no licence`);
      listed.set(`${c.group ? `${c.group}/` : ""}${c.name}@${c.version}`, c);
    }
    const inBundles = new Set<string>();
    for (const b of ["weir.js", "operator_worker.js", "inference_worker.js"]) {
      for (const p of bundledPackages(await Deno.readTextFile(join(rel, "lib/weir", b)))) {
        inBundles.add(p);
      }
    }
    assert.ok(inBundles.has("mqtt@5.16.0") && inBundles.has("hono@4.13.19"));
    for (const p of inBundles) assert.ok(listed.has(p), `${p} is bundled but not in the SBOM`);
    for (
      const p of [
        "@deno/linux-x64-glibc@2.9.6",
        "onnxruntime-node@1.30.0",
        "onnxruntime-web@1.30.0",
        "onnxruntime-common@1.30.0",
      ]
    ) assert.ok(listed.has(p), `${p} ships but is not in the SBOM`);
    assert.equal(listed.size, inBundles.size + 4, [...listed.keys()].join(" "));
  },
});

Deno.test({
  name: "bin/weir runs from any folder: --version, config check and graph test on the caller's " +
    "paths, start asks for scoped permissions only" + PACKAGE_NOTE,
  ignore: !CAN_PACKAGE,
  fn: async () => {
    const rel = join(packageScratch(), "content-x64", (await testPackage("x64")).name);
    const weir = join(rel, "bin/weir");
    const cwd = await Deno.makeTempDir({ dir: packageScratch(), prefix: "caller-" });
    const version = await sh(weir, ["--version"], { cwd });
    assert.equal(version.code, 0, version.stderr);
    const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
    assert.match(version.stdout, new RegExp(`^weir ${config.version.replaceAll(".", "\\.")}\n`));
    assert.match(version.stdout, /\nbuild: [0-9a-f]{7,}\S* \S+ linux-x64\n/);
    assert.match(version.stdout, /\ndeno: 2\.9\.6 \(v8 /);
    assert.match(version.stdout, /\narch: x86_64 \(x86_64-unknown-linux-gnu\)/);

    // Relative paths are the caller's: a graph and a configuration in the caller's folder.
    await Deno.copyFile(join(rel, "graphs/temperature.yaml"), join(cwd, "graph.yaml"));
    await Deno.writeTextFile(
      join(cwd, "gw.yaml"),
      `endpoints:\n  local: { url: "mqtt://broker.local:1884" }\n` +
        `dataflows:\n  t:\n    source: { endpoint: local, topics: ["s/#"] }\n` +
        `    graph: { file: graph.yaml }\n    destination: { endpoint: local, topic: "out" }\n` +
        `dataDir: data\nadmin: { port: 18089 }\n`,
    );
    const check = await sh(weir, ["config", "check", "gw.yaml"], { cwd });
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.stdout.trim(), "ok gw.yaml (1 dataflow)");
    const run = await sh(weir, [
      "graph",
      "test",
      "graph.yaml",
      "--modules",
      join(rel, "modules/dist"),
      "--input",
      "-",
    ], {
      cwd,
      stdin: JSON.stringify({ topic: "s/1", payload: '{"temperature":{"value":212,"unit":"F"}}' }) +
        "\n",
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\\"value\\":100\.0/);

    const flags = await sh(weir, ["start", "--config", "gw.yaml", "--print-deno-flags"], { cwd });
    assert.equal(flags.code, 0, flags.stderr);
    const lines = flags.stdout.trim().split("\n");
    assert.ok(
      lines.every((l) => !/^(-A|--allow-all|--allow-run|--allow-import)/.test(l)),
      flags.stdout,
    );
    for (const kind of ["read", "write", "net", "env", "ffi"]) {
      const line = lines.find((l) => l.startsWith(`--allow-${kind}`));
      assert.ok(line?.startsWith(`--allow-${kind}=`), `--allow-${kind} must be scoped: ${line}`);
    }
    const net = lines.find((l) => l.startsWith("--allow-net="))!.split("=")[1]!.split(",");
    assert.deepEqual(net.sort(), ["127.0.0.1:18089", "127.0.0.1:9464", "broker.local:1884"]);
    const write = lines.find((l) => l.startsWith("--allow-write="))!;
    assert.equal(write, `--allow-write=${await Deno.realPath(cwd)}/data`);
    assert.ok(
      lines.includes(`--allow-ffi=${rel}/node_modules/onnxruntime-node`),
      "FFI only for ONNX Runtime's folder",
    );
  },
});
