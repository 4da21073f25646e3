/**
 * A throwaway OCI registry (Debian's `docker-registry`, distribution 2.8,
 * installed by `.ci/install-oci-tools.sh`) on a free 127.0.0.1 port, with
 * filesystem storage in a temporary folder and deletes enabled; optionally
 * behind htpasswd basic auth. Also finds `oras` for the interop tests.
 * Tests skip with a note when a tool is missing.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./_mosquitto.ts";

function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const TOOLCHAIN = Deno.env.get("WEIR_TOOLCHAIN_DIR") ??
  join(Deno.env.get("HOME") ?? "/root", ".cache", "weir-toolchain");

/** The registry binary, or undefined when it is not installed. */
export const DOCKER_REGISTRY: string | undefined = onPath("docker-registry") ??
  ["/usr/bin/docker-registry"].find((p) => existsSync(p));

/** `oras`, from the toolchain cache or PATH. */
export const ORAS: string | undefined =
  [join(TOOLCHAIN, "bin", "oras")].find((p) => existsSync(p)) ??
    onPath("oras");

/** `htpasswd` (apache2-utils), for bcrypt password files. */
export const HTPASSWD: string | undefined = onPath("htpasswd");

const INSTALL = "run bash .ci/install-oci-tools.sh";

/** Test-name suffix saying why registry tests are skipped; empty when they run. */
export const REGISTRY_NOTE: string = DOCKER_REGISTRY === undefined
  ? ` (skipped: docker-registry is not installed; ${INSTALL})`
  : "";

/** Test-name suffix for tests that also need oras. */
export const ORAS_NOTE: string = REGISTRY_NOTE !== ""
  ? REGISTRY_NOTE
  : ORAS === undefined
  ? ` (skipped: oras is not in ${TOOLCHAIN}/bin or on PATH; ${INSTALL})`
  : "";

/** Test-name suffix for tests that also need htpasswd. */
export const HTPASSWD_NOTE: string = REGISTRY_NOTE !== ""
  ? REGISTRY_NOTE
  : HTPASSWD === undefined
  ? ` (skipped: htpasswd (apache2-utils) is not installed; ${INSTALL})`
  : "";

/** Options for {@linkcode startRegistry}. */
export interface RegistryOptions {
  /** Users and passwords; with any, the registry wants basic auth. */
  users?: Record<string, string>;
  /** Serve HTTPS with this certificate and key (PEM paths); `ca` signed the certificate. */
  tls?: { ca: string; cert: string; key: string };
}

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  readonly port: number;
  /** The storage folder. */
  readonly storage: string;
  /** Where the registry keeps a blob's bytes (to tamper with in tests). */
  blobFile(digest: string): string;
  /** Stops the registry and deletes its storage; idempotent. */
  stop(): Promise<void>;
}

async function run(command: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
    ...(cwd === undefined ? {} : { cwd }),
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

async function ready(port: number, ca?: string): Promise<boolean> {
  const client = ca === undefined
    ? undefined
    : Deno.createHttpClient({ caCerts: [await Deno.readTextFile(ca)] });
  try {
    const scheme = client === undefined ? "http" : "https";
    const response = await fetch(
      `${scheme}://127.0.0.1:${port}/v2/`,
      client === undefined ? {} : { client },
    );
    await response.body?.cancel();
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  } finally {
    client?.close();
  }
}

/** Starts a registry on a free port and waits until it answers. */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  if (DOCKER_REGISTRY === undefined) throw new Error(`docker-registry is missing${REGISTRY_NOTE}`);
  const dir = await Deno.makeTempDir({ prefix: "weir-registry-" });
  const storage = join(dir, "data");
  const port = await freePort();
  const lines = [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${storage}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${crypto.randomUUID()}`,
  ];
  if (options.tls !== undefined) {
    lines.push("  tls:", `    certificate: ${options.tls.cert}`, `    key: ${options.tls.key}`);
  }
  const users = Object.entries(options.users ?? {});
  if (users.length > 0) {
    if (HTPASSWD === undefined) throw new Error(`htpasswd is missing${HTPASSWD_NOTE}`);
    let file = "";
    for (const [user, password] of users) file += await run(HTPASSWD, ["-Bbn", user, password]);
    await Deno.writeTextFile(join(dir, "htpasswd"), file);
    lines.push(
      "auth:",
      "  htpasswd:",
      "    realm: weir-test",
      `    path: ${join(dir, "htpasswd")}`,
    );
  }
  const config = join(dir, "config.yml");
  await Deno.writeTextFile(config, lines.join("\n") + "\n");
  // setsid: the registry runs in its own session, so a terminal's Ctrl-C goes to the test only.
  const child = new Deno.Command("setsid", {
    args: [DOCKER_REGISTRY, "serve", config],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  const piped = child.stderr.pipeTo(
    new WritableStream({ write: (chunk) => void (log += decoder.decode(chunk)) }),
  ).catch(() => {});
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
    await piped;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 10_000;
  while (!(await ready(port, options.tls?.ca))) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${port} within 10 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    storage,
    blobFile: (digest) => {
      const hex = digest.replace(/^sha256:/, "");
      return join(
        storage,
        "docker",
        "registry",
        "v2",
        "blobs",
        "sha256",
        hex.slice(0, 2),
        hex,
        "data",
      );
    },
    stop,
  };
}

/** Runs oras in `cwd`; resolves to its stdout, throws with its stderr on failure. */
export async function oras(cwd: string, ...args: string[]): Promise<string> {
  if (ORAS === undefined) throw new Error(`oras is missing${ORAS_NOTE}`);
  return await run(ORAS, args, cwd);
}

/** A small valid WebAssembly module: the header and one custom section of `payload` bytes. */
export function fakeWasm(payload: number, seed = 1): Uint8Array {
  const name = new TextEncoder().encode("weir-test");
  const body = new Uint8Array(1 + name.length + payload);
  body[0] = name.length;
  body.set(name, 1);
  let x = seed;
  for (let i = 1 + name.length; i < body.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    body[i] = x >>> 24;
  }
  const size: number[] = [];
  let n = body.length;
  do {
    size.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const out = new Uint8Array(8 + 1 + size.length + body.length);
  out.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, ...size]);
  out.set(body, 9 + size.length);
  return out;
}

/** Runs `body` with a fresh registry and an empty work folder, then removes both. */
export async function withRegistry(
  options: RegistryOptions,
  body: (registry: TestRegistry, dir: string) => Promise<void>,
): Promise<void> {
  const registry = await startRegistry(options);
  const dir = await Deno.makeTempDir({ prefix: "weir-oci-test-" });
  try {
    await body(registry, dir);
  } finally {
    await registry.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The ways AIO's documentation and workflows push artifacts with oras
 * (docs/aio-compatibility.md, "Packaging"), plus a bare wasm layer: the flags after the reference,
 * given the file to push.
 */
export const ORAS_VARIANTS: Record<string, (file: string) => string[]> = {
  /** Learn docs: artifact type and an application/wasm layer. */
  module: (file) => [
    "--artifact-type",
    "application/vnd.module.wasm.content.layer.v1+wasm",
    `${file}:application/wasm`,
  ],
  /** The GitHub workflow publishing ghcr.io/azure-samples/explore-iot-operations. */
  moduleWasmLayer: (file) => [
    `./${file}:application/vnd.wasm.content.layer.v1+wasm`,
    "--disable-path-validation",
  ],
  /** The wasm-to-oci style of the known-issue workaround. */
  moduleWasmConfig: (file) => [
    "--config",
    "config.json:application/vnd.wasm.config.v1+json",
    `${file}:application/vnd.wasm.content.layer.v1+wasm`,
  ],
  /** A wasm layer and nothing else. */
  bare: (file) => [`${file}:application/wasm`],
  /** Graph definitions as the docs push them. */
  graph: (file) => [
    "--config",
    "/dev/null:application/vnd.microsoft.aio.graph.v1+yaml",
    `${file}:application/yaml`,
    "--disable-path-validation",
  ],
  /** Known issue 0623: the only graph form anonymous registries accepted. */
  graphWasmConfig: (file) => [
    "--config",
    "config.json:application/vnd.wasm.config.v1+json",
    `${file}:application/vnd.wasm.content.layer.v1+wasm`,
  ],
};

/** Pushes `file` (in `dir`) with oras in one of {@linkcode ORAS_VARIANTS}; resolves to the manifest digest. */
export async function orasPush(
  dir: string,
  ref: string,
  variant: keyof typeof ORAS_VARIANTS,
  file: string,
): Promise<string> {
  await Deno.writeTextFile(join(dir, "config.json"), "{}");
  const out = await oras(dir, "push", "--plain-http", ref, ...ORAS_VARIANTS[variant]!(file));
  const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1];
  if (digest === undefined) throw new Error(`oras push printed no digest:\n${out}`);
  return digest;
}
