/**
 * Weir as three JavaScript files: the program (`weir.js`) and the two worker
 * entries it starts (`operator_worker.js`, `inference_worker.js`; see
 * src/base/module_url.ts), each one `deno bundle` of its TypeScript entry
 * with the npm packages inside. ONNX Runtime stays outside (native add-on,
 * WebAssembly files): it is shipped in `node_modules/`.
 *
 * Files a bundled package loads beside itself (`new URL("./x", import.meta.url)`:
 * jco's WebAssembly, preview2-shim's I/O worker) are found from the bundle's
 * own source comments and copied beside the bundle, so nothing is looked up
 * in a node_modules folder at run time.
 *
 * @module
 */
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { run } from "./_run.ts";

/** The entries and the file each is bundled to. */
export const ENTRIES: ReadonlyArray<readonly [source: string, bundle: string]> = [
  ["main.ts", "weir.js"],
  ["src/wasm/operator_worker.ts", "operator_worker.js"],
  ["src/nn/inference_worker.ts", "inference_worker.js"],
];

/** npm packages left outside the bundles (shipped in the release's node_modules). */
export const EXTERNAL: readonly string[] = ["onnxruntime-node", "onnxruntime-web"];

/**
 * Source changes made to the bundled text of third-party packages, each
 * found exactly once or the build fails. Both remove a read of the whole
 * environment at load time, which would need `--allow-env` without a list:
 * - `debug` (under mqtt) collects `DEBUG_*` formatting options by listing
 *   every variable; without them it keeps its defaults.
 * - preview2-shim's WASI environment starts as a copy of the host's; its only
 *   guests on the host side are jco's own tools, which need no variables.
 */
const PATCHES: ReadonlyArray<{ bundle: string; find: RegExp; replace: string }> = [
  {
    bundle: "weir.js",
    find: /exports\.inspectOpts = Object\.keys\(process\.env\)\.filter\(/g,
    replace: "exports.inspectOpts = [].filter(",
  },
  {
    bundle: "weir.js",
    // `var _env = …` when the shim loads with the bundle, `_env = …` inside its lazy
    // initialiser when jco is imported on demand (src/wasm/transpile.ts).
    find: /\b_env = Object\.entries\(env\d*\);/g,
    replace: "_env = [];",
  },
];

/** What {@linkcode bundleApp} produced. */
export interface Bundles {
  /** The folder with the bundles and the files they load beside themselves. */
  readonly dir: string;
  /** Package folders whose code is inside a bundle (for the SBOM). */
  readonly packageDirs: readonly string[];
}

/** `// path` comments esbuild writes before each module it inlines. */
const SOURCE_COMMENT = /^\/\/ (\S+\.(?:[cm]?js|ts|json))$/;
const RELATIVE_URL = /new URL\("(\.{1,2}\/[^"]*)", import\.meta\.url\)/g;

/** The package folder of a file inside `node_modules`, or undefined for the repository's own. */
function packageDirOf(file: string): string | undefined {
  const m = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/.][^/]*)\//.exec(file);
  return m?.[1];
}

interface Section {
  /** The inlined module's file. */
  readonly file: string;
  /** Relative URLs it resolves against its own location. */
  readonly urls: string[];
}

function sectionsOf(text: string, root: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const line of text.split("\n")) {
    const comment = SOURCE_COMMENT.exec(line);
    if (comment) {
      current = { file: resolve(root, comment[1]!), urls: [] };
      sections.push(current);
      continue;
    }
    for (const m of line.matchAll(RELATIVE_URL)) current?.urls.push(m[1]!);
  }
  return sections;
}

function applyPatches(name: string, text: string): string {
  let out = text;
  for (const p of PATCHES.filter((p) => p.bundle === name)) {
    const count = [...out.matchAll(p.find)].length;
    if (count !== 1) {
      throw new Error(`Bundle patch ${p.find} matched ${count} times in ${name}, expected once`);
    }
    out = out.replace(p.find, p.replace);
  }
  return out;
}

/**
 * Bundles the entries into `dir` and copies what bundled packages load from beside them.
 *
 * @param root The repository.
 */
export async function bundleApp(root: string, dir: string): Promise<Bundles> {
  await mkdir(dir, { recursive: true });
  const packageDirs = new Set<string>();
  const copied = new Map<string, string>();
  for (const [entry, name] of ENTRIES) {
    const out = join(dir, name);
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      ...EXTERNAL.flatMap((e) => ["--external", e]),
      "-o",
      out,
      entry,
    ], { cwd: root });
    let text = applyPatches(name, await readFile(out, "utf8"));
    // A URL that leaves its folder and comes back (`../dist/x.wasm` from dist/) is
    // written as `./x.wasm`, so it resolves beside the bundle too.
    const rewrites = new Map<string, string>();
    for (const section of sectionsOf(text, root)) {
      const pkg = packageDirOf(section.file);
      if (pkg === undefined) continue;
      packageDirs.add(pkg);
      for (const url of section.urls) {
        if (url === "./" || url === ".") continue;
        const source = resolve(dirname(section.file), url);
        if (dirname(source) !== dirname(section.file)) {
          throw new Error(`${section.file} loads "${url}", outside its own folder`);
        }
        const local = `./${basename(source)}`;
        if (url !== local) rewrites.set(url, local);
        const target = resolve(dir, local);
        const previous = copied.get(target);
        if (previous !== undefined && previous !== source) {
          throw new Error(`Two packages load "${url}" beside themselves: ${previous}, ${source}`);
        }
        copied.set(target, source);
        await copyFile(source, target);
      }
    }
    for (const [url, local] of rewrites) {
      text = text.replaceAll(
        `new URL("${url}", import.meta.url)`,
        `new URL("${local}", import.meta.url)`,
      );
    }
    await writeFile(out, text);
  }
  return { dir, packageDirs: [...packageDirs].sort() };
}

/**
 * Relative URLs in Weir's own code (not in a package) that must resolve inside
 * the release, from the bundle's folder: checked after the release is laid out.
 */
export async function ownRelativeUrls(root: string, bundle: string): Promise<string[]> {
  const urls: string[] = [];
  for (const section of sectionsOf(await readFile(bundle, "utf8"), root)) {
    if (packageDirOf(section.file) === undefined) urls.push(...section.urls);
  }
  return urls;
}
