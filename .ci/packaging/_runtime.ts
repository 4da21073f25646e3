/**
 * The Deno runtime a release ships: the `deno` binary of npm's
 * `@deno/linux-<arch>-glibc` at the version package.json pins, fetched once
 * with `npm pack` into `~/.cache/weir-toolchain/npm` and checked against the
 * integrity package-lock.json records for it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./_run.ts";

/** The architectures a release is built for (npm's names). */
export type Arch = "x64" | "arm64";

/** The runtime for one architecture, unpacked. */
export interface Runtime {
  readonly arch: Arch;
  /** The npm package it came from, e.g. `@deno/linux-arm64-glibc`. */
  readonly packageName: string;
  readonly version: string;
  /** The package's licence (SPDX). */
  readonly license: string;
  /** The `deno` executable. */
  readonly binary: string;
  /** The package tarball's sha512, as npm writes it (`sha512-<base64>`). */
  readonly integrity: string;
}

/** `~/.cache/weir-toolchain` (or `$WEIR_TOOLCHAIN_CACHE`). */
export function toolchainCache(): string {
  const home = Deno.env.get("HOME");
  if (Deno.env.get("WEIR_TOOLCHAIN_CACHE")) return Deno.env.get("WEIR_TOOLCHAIN_CACHE")!;
  if (!home) throw new Error("HOME is not set; set WEIR_TOOLCHAIN_CACHE to a cache folder");
  return join(home, ".cache", "weir-toolchain");
}

interface LockEntry {
  readonly version: string;
  readonly integrity: string;
}

/** The version and integrity package-lock.json pins for an npm package. */
async function locked(root: string, name: string): Promise<LockEntry> {
  const lock = JSON.parse(await readFile(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, Partial<LockEntry>>;
  };
  const entry = lock.packages[`node_modules/${name}`];
  if (entry?.version === undefined || entry.integrity === undefined) {
    throw new Error(`package-lock.json pins no version and integrity for "${name}"`);
  }
  return { version: entry.version, integrity: entry.integrity };
}

function sha512Integrity(bytes: Uint8Array): string {
  return `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
}

/**
 * The runtime for `arch`, from the cache or fetched with `npm pack`.
 *
 * @param root The repository (its package-lock.json pins the version and integrity).
 */
export async function denoRuntime(root: string, arch: Arch): Promise<Runtime> {
  const packageName = `@deno/linux-${arch}-glibc`;
  const pin = await locked(root, packageName);
  const npmDir = join(toolchainCache(), "npm");
  const tgz = join(npmDir, `deno-linux-${arch}-glibc-${pin.version}.tgz`);
  if (!existsSync(tgz)) {
    await mkdir(npmDir, { recursive: true });
    await run("npm", [
      "pack",
      `${packageName}@${pin.version}`,
      "--pack-destination",
      npmDir,
      "--silent",
    ]);
  }
  const integrity = sha512Integrity(await readFile(tgz));
  if (integrity !== pin.integrity) {
    throw new Error(
      `${tgz} does not match package-lock.json (found ${integrity}, expected ${pin.integrity}); delete it to fetch it again`,
    );
  }
  const dir = join(toolchainCache(), `deno-${pin.version}-linux-${arch}`);
  if (!existsSync(join(dir, "package", "deno"))) {
    const tmp = `${dir}.tmp-${crypto.randomUUID()}`;
    await mkdir(tmp, { recursive: true });
    await run("tar", ["-xzf", tgz, "-C", tmp, "package/deno", "package/package.json"]);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  }
  const meta = JSON.parse(await readFile(join(dir, "package", "package.json"), "utf8")) as {
    version: string;
    license?: string;
  };
  if (meta.version !== pin.version) {
    throw new Error(`${dir} holds Deno ${meta.version}, expected ${pin.version}`);
  }
  return {
    arch,
    packageName,
    version: meta.version,
    license: meta.license ?? "MIT",
    binary: join(dir, "package", "deno"),
    integrity,
  };
}
