/**
 * `deno task package`: builds `dist/weir-<version>-linux-<arch>.tar.gz` for
 * x64 and arm64. Each holds one folder, `weir-<version>-linux-<arch>/`, with
 * the Deno runtime for that architecture, Weir bundled into one program (and
 * its two worker entries), the web page, WIT, sample graphs and modules,
 * ONNX Runtime's files for that architecture, install.sh and the unit,
 * `bin/weir`, an SBOM and SHA256SUMS.
 *
 * ```sh
 * deno task package                      # both architectures, into dist/
 * deno task package --arch x64 --out /tmp/pkg --no-archive
 * deno task package --version 0.1.1-rc1  # another version (upgrade tests)
 * ```
 *
 * @module
 */
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bundleApp } from "./_bundle.ts";
import { type Build, layRelease } from "./_release.ts";
import { run } from "./_run.ts";
import { type Arch, denoRuntime } from "./_runtime.ts";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

function say(line: string): void {
  // deno-lint-ignore no-console
  console.error(line);
}

/** The commit, `-dirty` when tracked files changed, and its time (reproducible builds). */
async function buildOf(version: string): Promise<Build> {
  try {
    const commit = (await run("git", ["rev-parse", "--short=12", "HEAD"], { cwd: ROOT })).trim();
    const dirty = (await run("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: ROOT,
    })).trim() !== "";
    const date = (await run("git", ["log", "-1", "--format=%cI"], { cwd: ROOT })).trim();
    return { version, commit: dirty ? `${commit}-dirty` : commit, date };
  } catch {
    return { version, commit: "unknown", date: new Date().toISOString() };
  }
}

/** Options of the packager. */
export interface PackageOptions {
  /** @default ["x64", "arm64"] */
  readonly arches?: readonly Arch[];
  /** @default "<repo>/dist" */
  readonly out?: string;
  /** @default deno.json's version */
  readonly version?: string;
  /** Leave the release folders, skip the tarballs. @default false */
  readonly noArchive?: boolean;
}

/** One built release. */
export interface Built {
  readonly arch: Arch;
  /** The release folder. */
  readonly dir: string;
  /** The tarball, unless `noArchive`. */
  readonly archive?: string;
}

/** Builds the releases; resolves to where they are. */
export async function buildPackages(options: PackageOptions = {}): Promise<Built[]> {
  const config = JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8")) as {
    version: string;
  };
  const version = options.version ?? config.version;
  const out = resolve(options.out ?? join(ROOT, "dist"));
  const build = await buildOf(version);
  await mkdir(out, { recursive: true });
  const bundleDir = join(out, `.bundle-${crypto.randomUUID()}`);
  const results: Built[] = [];
  try {
    const started = performance.now();
    const bundles = await bundleApp(ROOT, bundleDir);
    say(`bundled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (const arch of options.arches ?? ["x64", "arm64"]) {
      const name = `weir-${version}-linux-${arch}`;
      const dir = join(out, name);
      await rm(dir, { recursive: true, force: true });
      const runtime = await denoRuntime(ROOT, arch);
      await layRelease({ root: ROOT, dir, runtime, bundles, build });
      if (options.noArchive) {
        results.push({ arch, dir });
        say(`${dir}`);
        continue;
      }
      const archive = join(out, `${name}.tar.gz`);
      const epoch = String(Math.floor(Date.parse(build.date) / 1000));
      await run("tar", [
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        `--mtime=@${epoch}`,
        "--use-compress-program=gzip -n",
        "-cf",
        archive,
        "-C",
        out,
        name,
      ]);
      const size = (await stat(archive)).size;
      say(`${archive} (${(size / 1024 / 1024).toFixed(1)} MiB)`);
      results.push({ arch, dir, archive });
    }
  } finally {
    await rm(bundleDir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      arch: { type: "string", multiple: true },
      out: { type: "string" },
      version: { type: "string" },
      "no-archive": { type: "boolean", default: false },
    },
  });
  const arches = (values.arch ?? ["x64", "arm64"]).map((a) => {
    if (a !== "x64" && a !== "arm64") {
      say(`package: unknown --arch "${a}" (x64 or arm64)`);
      Deno.exit(2);
    }
    return a;
  });
  try {
    await buildPackages({
      arches,
      ...(values.out === undefined ? {} : { out: values.out }),
      ...(values.version === undefined ? {} : { version: values.version }),
      noArchive: values["no-archive"],
    });
  } catch (error) {
    say(`package: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
