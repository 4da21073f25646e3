// Builds one JavaScript operator module into a WebAssembly component with componentize-js.
//
//   node componentize.mjs <source.js> <wit-dir> <world> <out.wasm>
//
// Used by modules/build-js.sh. WASI: `http` and `fetch-event` are disabled, so the component
// imports no wasi:http / wasi:sockets interface (Weir would only link them deny-all); stdio (console.* →
// host log), clocks and random stay on, all three are provided, sandboxed, by Weir.
import { componentize } from "@bytecodealliance/componentize-js";
import { _getPreopens, _setPreopens } from "@bytecodealliance/preview2-shim/filesystem";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import process from "node:process";

const [source, witDir, world, out] = process.argv.slice(2);
if (!out) {
  process.stderr.write(
    "usage: node componentize.mjs <source.js> <wit-dir> <world> <out.wasm>\n",
  );
  process.exit(2);
}

// componentize-js reads the WIT and sources through preview2-shim's filesystem, which since
// 0.26 preopens nothing by default (platform-notes "preview2-shim _setPreopens"): make sure
// "/" is preopened, whichever shim version npm resolved.
if (!_getPreopens().some(([, path]) => path === "/")) {
  _setPreopens({ "/": "/" });
}

const started = performance.now();
const { component } = await componentize({
  sourcePath: resolve(source),
  witPath: resolve(witDir),
  worldName: world,
  disableFeatures: ["http", "fetch-event"],
});
await writeFile(out, component);
process.stdout.write(
  `${out}: ${component.length} bytes in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
