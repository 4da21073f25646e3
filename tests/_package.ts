/**
 * Release packages for the appliance tests, built once per test run with
 * `deno task package` (the same code) into a scratch folder removed at exit.
 * Tests that need them skip, saying why, when the machine cannot build them.
 *
 * @module
 */
import { existsSync } from "node:fs";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "./_samples.ts";

/** True when the sample modules and the npm packages a release ships are there. */
export const CAN_PACKAGE: boolean = existsSync(join(ROOT, "modules/dist/temperature.wasm")) &&
  existsSync(join(ROOT, "node_modules/onnxruntime-node")) &&
  existsSync(join(ROOT, "package-lock.json"));

/** Why packaging tests are skipped, for test names; empty when they run. */
export const PACKAGE_NOTE: string = CAN_PACKAGE
  ? ""
  : " (skipped: run bash .ci/setup.sh: sample modules or npm packages are missing)";

/** True when running as root (installs, namespaces and other users need it). */
export const IS_ROOT: boolean =
  new TextDecoder().decode(new Deno.Command("id", { args: ["-u"] }).outputSync().stdout).trim() ===
    "0";

/** One built release. */
export interface TestPackage {
  /** The tarball. */
  readonly archive: string;
  /** `weir-<version>-linux-<arch>`, the folder inside the tarball. */
  readonly name: string;
  readonly version: string;
}

const built = new Map<string, Promise<TestPackage>>();
let scratch: string | undefined;

globalThis.addEventListener("unload", () => {
  if (scratch) Deno.removeSync(scratch, { recursive: true });
});

/** A scratch folder that lives until the test process exits. */
export function packageScratch(): string {
  scratch ??= Deno.makeTempDirSync({ prefix: "weir-packages-" });
  return scratch;
}

/** Builds (once per run) the release tarball for `arch` and `version` (default deno.json's). */
export function testPackage(arch: "x64" | "arm64", version?: string): Promise<TestPackage> {
  const key = `${arch} ${version ?? ""}`;
  let p = built.get(key);
  if (p === undefined) {
    p = (async () => {
      const out = join(packageScratch(), `build-${built.size}`);
      const result = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-run",
          "--allow-env",
          join(ROOT, ".ci/packaging/package.ts"),
          "--arch",
          arch,
          "--out",
          out,
          ...(version === undefined ? [] : ["--version", version]),
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const log = new TextDecoder().decode(result.stderr);
      if (!result.success) throw new Error(`deno task package failed:\n${log}`);
      const archive = /(\S+\.tar\.gz)/.exec(log)?.[1];
      if (archive === undefined) throw new Error(`no tarball in the packager's output:\n${log}`);
      const name = archive.split("/").pop()!.replace(/\.tar\.gz$/, "");
      return {
        archive,
        name,
        version: name.replace(/^weir-/, "").replace(/-linux-[a-z0-9]+$/, ""),
      };
    })();
    built.set(key, p);
  }
  return p;
}

/** Unpacks a tarball into `dir`; resolves to the release folder. */
export async function unpack(pkg: TestPackage, dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const out = await new Deno.Command("tar", { args: ["-xzf", pkg.archive, "-C", dir] }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return join(dir, pkg.name);
}

/** Runs a command; resolves to its exit code and output. */
export async function sh(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(command, {
    args: [...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
  }).spawn();
  if (options.stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(options.stdin));
    await w.close();
  }
  const out = await child.output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** ELF e_machine: 0x3e x86-64, 0xb7 AArch64. */
export async function elfMachine(path: string): Promise<number> {
  const head = (await readFile(path)).subarray(0, 20);
  assert.deepEqual([...head.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${path} is not ELF`);
  return head[18]! | (head[19]! << 8);
}

/** npm packages (name@version) whose code a bundle carries, from esbuild's source comments. */
export function bundledPackages(text: string): Set<string> {
  const out = new Set<string>();
  for (
    const m of text.matchAll(/^\/\/ \S*node_modules\/\.deno\/((?:@[^+/]+\+)?[^@/]+)@([^/]+)\//gm)
  ) {
    out.add(`${m[1]!.replace("+", "/")}@${m[2]!.replace(/_.*$/, "")}`);
  }
  return out;
}
