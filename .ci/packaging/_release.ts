/**
 * Lays out one release folder: the runtime, the bundles and what they load,
 * the assets, ONNX Runtime for one architecture, install.sh and the unit,
 * bin/weir, the build record, the SBOM and SHA256SUMS.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { chmod, copyFile, cp, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
// The one file, not src/cli/mod.ts: that would start the whole program (and its workers).
import { BASE_ENV_NAMES } from "../../src/cli/mod.ts";
import { type Bundles, ENTRIES, ownRelativeUrls } from "./_bundle.ts";
import type { Runtime } from "./_runtime.ts";
import { cyclonedx, packageOf, type SbomPackage } from "./_sbom.ts";
import { run } from "./_run.ts";

/** What the release records about its build (lib/weir/build.json; read by `weir --version`). */
export interface Build {
  readonly version: string;
  readonly commit: string;
  readonly date: string;
}

/** Sample modules that are test fixtures (they misbehave on purpose), not shipped. */
const FIXTURE_MODULES = /^hostile-/;

/** What of each external package ships (ONNX Runtime: this architecture's native files only). */
function externalFiles(name: string, arch: string): string[] | undefined {
  switch (name) {
    case "onnxruntime-node":
      return ["package.json", "README.md", "dist", `bin/napi-v6/linux/${arch}`];
    case "onnxruntime-web":
      return [
        "package.json",
        "README.md",
        "dist/ort.node.min.mjs",
        "dist/ort-wasm-simd-threaded.mjs",
        "dist/ort-wasm-simd-threaded.wasm",
      ];
    case "onnxruntime-common":
      return ["package.json", "README.md", "dist"];
    default:
      return undefined;
  }
}

/** The real folder of an npm package as the repository's node_modules holds it. */
async function installedPackage(root: string, name: string): Promise<string> {
  const top = join(root, "node_modules", name);
  try {
    return await Deno.realPath(top);
  } catch {
    // Deno's layout keeps dependencies of dependencies under node_modules/.deno.
    const flat = join(root, "node_modules", ".deno");
    for (const entry of await readdir(flat)) {
      if (entry.startsWith(`${name.replace("/", "+")}@`)) {
        return await Deno.realPath(join(flat, entry, "node_modules", name));
      }
    }
    throw new Error(`npm package "${name}" is not installed; run bash .ci/setup.sh`);
  }
}

/** Type declarations and source maps: nothing at run time reads them. */
const NOT_SHIPPED = /\.(d\.[cm]?ts|map)$/;

async function copyInto(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await cp(from, to, {
    recursive: true,
    dereference: true,
    filter: (source) => !NOT_SHIPPED.test(source),
  });
}

/** Every regular file under `dir`, relative, sorted. */
async function filesUnder(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...await filesUnder(full, base));
    else if (entry.isFile()) out.push(relative(base, full));
  }
  return out.sort();
}

/** Options for {@linkcode layRelease}. */
export interface ReleaseOptions {
  readonly root: string;
  readonly dir: string;
  readonly runtime: Runtime;
  readonly bundles: Bundles;
  readonly build: Build;
}

/** Writes the release folder `dir` for one architecture. */
export async function layRelease(o: ReleaseOptions): Promise<void> {
  const { root, dir, runtime, build } = o;
  const target = `linux-${runtime.arch}`;
  await mkdir(join(dir, "bin"), { recursive: true });
  await copyFile(runtime.binary, join(dir, "bin", "deno"));
  await chmod(join(dir, "bin", "deno"), 0o755);

  // The program: bundles plus the files bundled packages load beside themselves.
  await cp(o.bundles.dir, join(dir, "lib", "weir"), { recursive: true });
  await writeFile(
    join(dir, "lib", "weir", "build.json"),
    JSON.stringify({ ...build, target, deno: runtime.version }, null, 2) + "\n",
  );

  // Assets, sample graphs and modules.
  for (const asset of ["web", "wit", "graphs", "README.md"]) {
    await copyInto(join(root, asset), join(dir, asset));
  }
  const modules = join(root, "modules", "dist");
  for (const name of await readdir(modules)) {
    if (FIXTURE_MODULES.test(name)) continue;
    if (name.endsWith(".wasm") || name === "models") {
      await copyInto(join(modules, name), join(dir, "modules", "dist", name));
    }
  }

  // ONNX Runtime, resolved through node_modules at run time (deno.json: nodeModulesDir manual).
  const shipped: SbomPackage[] = [];
  for (const name of ["onnxruntime-node", "onnxruntime-web", "onnxruntime-common"]) {
    const from = await installedPackage(root, name);
    for (const part of externalFiles(name, runtime.arch)!) {
      try {
        await stat(join(from, part));
      } catch {
        if (part === "README.md") continue;
        throw new Error(`${name} has no "${part}" (${from})`);
      }
      await copyInto(join(from, part), join(dir, "node_modules", name, part));
    }
    shipped.push(await packageOf(from, "node_modules"));
  }
  await writeFile(
    join(dir, "deno.json"),
    JSON.stringify({ nodeModulesDir: "manual", lock: false }, null, 2) + "\n",
  );
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify(
      {
        name: "weir-release",
        version: build.version,
        private: true,
        dependencies: Object.fromEntries(shipped.map((p) => [p.name, p.version])),
      },
      null,
      2,
    ) + "\n",
  );

  // The launcher, the installer and the unit it writes by default.
  const launcher = (await readFile(join(root, ".ci", "packaging", "weir.sh"), "utf8"))
    .replace("@ENV_NAMES@", BASE_ENV_NAMES.join(","));
  await writeFile(join(dir, "bin", "weir"), launcher);
  await chmod(join(dir, "bin", "weir"), 0o755);
  await copyFile(join(root, "install.sh"), join(dir, "install.sh"));
  await chmod(join(dir, "install.sh"), 0o755);
  await run("bash", [join(dir, "install.sh"), "--unit-only", dir]);

  // Every relative URL of Weir's own code resolves inside the release.
  for (const [, bundle] of ENTRIES) {
    const from = join(dir, "lib", "weir", bundle);
    for (const url of await ownRelativeUrls(root, from)) {
      const path = resolve(dirname(from), url);
      if (path !== dir && !path.startsWith(dir + "/")) {
        throw new Error(`${bundle} loads "${url}" outside the release`);
      }
      try {
        await stat(path);
      } catch {
        throw new Error(`${bundle} loads "${url}", which the release does not have`);
      }
    }
  }

  const bundled = await Promise.all(o.bundles.packageDirs.map((p) => packageOf(p, "bundled")));
  const runtimePackage: SbomPackage = {
    name: runtime.packageName,
    version: runtime.version,
    license: runtime.license,
    shipped: "runtime",
  };
  await writeFile(
    join(dir, "sbom.cdx.json"),
    JSON.stringify(
      cyclonedx([runtimePackage, ...shipped, ...bundled], {
        version: build.version,
        timestamp: build.date,
        target,
      }),
      null,
      2,
    ) + "\n",
  );

  // Last: the checksums of everything else.
  const sums: string[] = [];
  for (const file of await filesUnder(dir)) {
    if (file === "SHA256SUMS") continue;
    const hash = createHash("sha256").update(await readFile(join(dir, file))).digest("hex");
    sums.push(`${hash}  ${file}`);
  }
  await writeFile(join(dir, "SHA256SUMS"), sums.join("\n") + "\n");
}
