/**
 * Weir under the narrow permissions the service gets: transpiling a module
 * needs no FFI and no system information (jco's generator is called without
 * the minifier's native add-on), and wasi-nn finds ONNX Runtime's native
 * build when FFI and read access are granted for its folder only.
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { modulesBuilt, modulesNote } from "./_modules.ts";
import { ROOT } from "./_samples.ts";

const DENO_DIR = Deno.env.get("DENO_DIR") ??
  join(Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME")!, ".cache"), "deno");

/** Runs `weir <args>` from the checkout with exactly `permissions`; a fresh bindings cache. */
async function weir(permissions: string[], args: string[], stdin: string) {
  const scratch = await Deno.makeTempDir({ prefix: "weir-scoped-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--config",
        join(ROOT, "deno.json"),
        ...permissions.map((p) => p.replaceAll("$SCRATCH", scratch)),
        "--unstable-worker-options",
        join(ROOT, "main.ts"),
        ...args,
      ],
      cwd: ROOT,
      env: { DENO_DIR, XDG_CACHE_HOME: scratch, TMPDIR: scratch, NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
    const out = await child.output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

Deno.test({
  name: "weir graph test transpiles a module with no FFI and no system information permission" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const run = await weir(
      ["--allow-read", "--allow-write=$SCRATCH", "--allow-env"],
      [
        "graph",
        "test",
        "graphs/temperature.yaml",
        "--modules",
        "modules/dist",
        "--input",
        "-",
      ],
      JSON.stringify({ topic: "s", payload: '{"temperature":{"value":212,"unit":"F"}}' }) + "\n",
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\\"value\\":100\.0/);
  },
});

function packageDir(specifier: string): string {
  return dirname(dirname(fileURLToPath(import.meta.resolve(specifier))));
}

Deno.test({
  name: "wasi-nn runs on onnxruntime-node when FFI and read are granted for its folder only" +
    modulesNote("anomaly"),
  ignore: !modulesBuilt("anomaly"),
  fn: async () => {
    const node = packageDir("onnxruntime-node");
    const web = packageDir("onnxruntime-web");
    const modules = join(ROOT, "modules/dist");
    const run = await weir(
      [
        `--allow-read=${ROOT},${await Deno.realPath(join(ROOT, "node_modules"))},$SCRATCH`,
        "--allow-write=$SCRATCH",
        "--allow-env",
        `--allow-ffi=${node}`,
      ],
      [
        "graph",
        "test",
        "graphs/anomaly.yaml",
        "--modules",
        modules,
        "--input",
        "-",
        "--model",
        `anomaly-scorer=${join(modules, "models/anomaly-scorer.onnx")}`,
        "--log-level",
        "info",
      ],
      JSON.stringify({
        topic: "sensors/press-4",
        payload: JSON.stringify({ temperature: 95, vibration: 1.4, pressure: 108.2 }),
      }) + "\n",
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /"msg":"wasi-nn runs on onnxruntime-node"/, run.stderr);
    assert.ok(web.length > 0);
    const out = JSON.parse(JSON.parse(run.stdout.trim()).payload);
    assert.equal(out.anomaly, true);
    assert.ok(out.anomaly_score > 0.99, String(out.anomaly_score));
  },
});
