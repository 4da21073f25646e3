/**
 * The OCI client the gateway and the CLI use: pulls modules and graphs
 * (with their modules) into the verified cache, pushes them as AIO does,
 * and moves them to air-gapped sites as bundles.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { defined, isLoopbackHost, parseYaml } from "../base/mod.ts";
import { type Logger, silentLogger } from "../telemetry/mod.ts";
import { DEFAULT_MAX_ARTIFACT_BYTES } from "./artifact_size.ts";
import { BearerTokens } from "./bearer_tokens.ts";
import { type ImportResult, readBundle } from "./bundle_read.ts";
import { type BundleEntry, writeBundle } from "./bundle_write.ts";
import { OciCache } from "./cache.ts";
import { OciError } from "./errors.ts";
import type { FreeSpace } from "./free_space.ts";
import { moduleCandidates, moduleRefsOf, underPrefixes } from "./graph_modules.ts";
import type { ArtifactKind } from "./layer_choice.ts";
import { isWasm } from "./media_types.ts";
import { Puller } from "./puller.ts";
import { type ArtifactParts, graphParts, moduleParts, pushParts } from "./pusher.ts";
import { formatReference, type OciReference, parseReference } from "./reference.ts";
import {
  checkMaxArtifactBytes,
  checkRegistryConfig,
  matchRegistry,
  type RegistryConfig,
  splitHost,
} from "./registry_config.ts";
import { RegistrySession } from "./registry_session.ts";
import type { ProgressListener, PulledArtifact, PulledGraph, PushedArtifact } from "./types.ts";

/** Options for {@linkcode OciClient}. */
export interface OciClientOptions {
  /** The registries with their settings; a registry not listed is used anonymously over HTTPS. */
  readonly registries?: readonly RegistryConfig[];
  /** The cache directory (see `defaultCacheDir`). */
  readonly cacheDir: string;
  /**
   * Where warnings go (an offline fallback, an unrecorded bundle entry).
   * @default silentLogger
   */
  readonly log?: Logger;
  /** The fetch to use; tests pass one. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Use only the configured registries and loopback hosts: a reference to any other
   * registry is refused before anything is read or sent. @default false (any registry)
   */
  readonly onlyConfiguredRegistries?: boolean;
  /**
   * The largest artifact to download, in bytes: every blob a manifest names,
   * and all of them together (a registry's own `maxArtifactBytes` overrides it).
   * @default 268435456 (256 MiB)
   */
  readonly maxArtifactBytes?: number;
  /** Free bytes on the cache's disk; tests pass one. @default statfs of the cache folder */
  readonly freeSpace?: FreeSpace;
}

/** Options of a pull. */
export interface PullOptions {
  /** Called as the transfer goes (manifest, bytes, cached, done). */
  readonly onProgress?: ProgressListener;
}

/** Options of {@linkcode OciClient.pullGraph}. */
export interface PullGraphOptions extends PullOptions {
  /**
   * The module references as the graph writes them, when the caller has
   * already parsed the graph. @default the `module:` values of its operations
   */
  readonly moduleRefs?: readonly string[];
}

/** Options of {@linkcode OciClient.exportBundle}. */
export interface ExportBundleOptions extends PullOptions {
  /** Also bundle the modules of every graph among the references. @default true */
  readonly graphModules?: boolean;
}

/** What an export wrote. */
export interface ExportResult {
  /** The artifacts in the bundle, graphs' modules included. */
  readonly refs: readonly { readonly ref: string; readonly digest: string }[];
  /** How many blobs the bundle holds. */
  readonly blobs: number;
}

/** Pulls, pushes and bundles WebAssembly modules and graph definitions. */
export class OciClient {
  /** The cache directory. */
  readonly cacheDir: string;
  #registries: readonly RegistryConfig[];
  #cache: OciCache;
  #log: Logger;
  #fetch: typeof fetch;
  #tokens: BearerTokens;
  #sessions = new Map<RegistryConfig | string, RegistrySession>();
  #puller: Puller;
  #onlyConfigured: boolean;

  /**
   * Makes a client. Nothing is sent until the first pull or push.
   *
   * @throws {OciError} reason `bad_config` when a registry asks for plain HTTP to a host
   *   that is not 127.0.0.1, ::1 or localhost, or a maximum artifact size is not a
   *   positive whole number (before any request is made).
   */
  constructor(options: OciClientOptions) {
    for (const registry of options.registries ?? []) checkRegistryConfig(registry);
    this.#registries = [...options.registries ?? []];
    this.cacheDir = options.cacheDir;
    this.#log = options.log ?? silentLogger;
    const log = this.#log;
    this.#cache = new OciCache(options.cacheDir, {
      ...defined({ freeSpace: options.freeSpace }),
      onUnmeasured(why) {
        log.log("warn", "cannot measure free disk space; blobs are written unchecked", { why });
      },
    });
    const maxArtifactBytes = options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES;
    checkMaxArtifactBytes(maxArtifactBytes, "the OCI client");
    this.#fetch = options.fetch ?? fetch;
    this.#onlyConfigured = options.onlyConfiguredRegistries === true;
    this.#tokens = new BearerTokens({ fetch: this.#fetch });
    this.#puller = new Puller({
      cache: this.#cache,
      log: this.#log,
      sessionFor: (ref) => this.#sessionFor(ref),
      maxArtifactBytes: (ref) =>
        matchRegistry(this.#registries, ref)?.maxArtifactBytes ?? maxArtifactBytes,
    });
  }

  /**
   * Pulls a module into the cache; returns where its `.wasm` is.
   *
   * @param ref `host[:port]/repo:tag` or `…@sha256:…`; without a host, the only (or the
   *   `default`) configured registry, under its path prefix first.
   */
  async pullModule(ref: string, options: PullOptions = {}): Promise<PulledArtifact> {
    return await this.#pullFirst(ref, this.#anchor(ref), "module", options.onProgress);
  }

  /**
   * Pulls a graph definition and every module its operations name. Module
   * references are resolved against the graph's registry: under the
   * configured path prefix, under the graph's repository folder, then at
   * the registry root (docs/aio-compatibility.md, "Packaging"), with the same credentials.
   */
  async pullGraph(ref: string, options: PullGraphOptions = {}): Promise<PulledGraph> {
    const graph = await this.#pullFirst(ref, this.#anchor(ref), "graph", options.onProgress);
    const graphRef = parseReference(graph.ref);
    const registry = matchRegistry(this.#registries, graphRef);
    const written = options.moduleRefs ??
      moduleRefsOf(await readFile(graph.path, "utf8"), graph.ref);
    const modules = new Map<string, PulledArtifact>();
    for (const moduleRef of written) {
      const candidates = moduleCandidates(moduleRef, graphRef, registry);
      const label = `Module "${moduleRef}" of graph "${graph.ref}"`;
      modules.set(
        moduleRef,
        await this.#pullFirst(label, candidates, "module", options.onProgress),
      );
    }
    return { ...graph, modules };
  }

  /** The digest a reference points at now (a HEAD request), to notice a moved tag. */
  async resolveDigest(ref: string): Promise<string> {
    const candidates = this.#anchor(ref);
    return await this.#first(ref, candidates, (r) => this.#puller.resolveDigest(r));
  }

  /** Pushes a `.wasm` file as a module artifact (as `oras push --artifact-type …` does). */
  async pushModule(file: string, ref: string, options: PullOptions = {}): Promise<PushedArtifact> {
    const bytes = await readInput(file);
    if (!isWasm(bytes)) {
      throw new OciError(
        "bad_artifact",
        `"${file}" is not a WebAssembly module (no \\0asm header)`,
      );
    }
    return await this.#push(ref, moduleParts(bytes, basename(file)), options);
  }

  /** Pushes a graph definition YAML file as a graph artifact (as AIO's `oras push --config …` does). */
  async pushGraph(file: string, ref: string, options: PullOptions = {}): Promise<PushedArtifact> {
    const bytes = await readInput(file);
    const parsed = parseYaml(new TextDecoder().decode(bytes), "graph definition");
    if (isWasm(bytes) || parsed.syntax.length > 0) {
      throw new OciError(
        "bad_artifact",
        `"${file}" is not graph YAML${
          parsed.syntax.length > 0 ? `: ${parsed.syntax[0]!.finding.message}` : ""
        }`,
      );
    }
    return await this.#push(ref, graphParts(bytes, basename(file)), options);
  }

  /**
   * Pulls every reference in full (and, for graphs, their modules) and
   * writes them to `tarPath` as an OCI image layout in a tar file.
   */
  async exportBundle(
    refs: readonly string[],
    tarPath: string,
    options: ExportBundleOptions = {},
  ): Promise<ExportResult> {
    const entries: BundleEntry[] = [];
    const add = (entry: BundleEntry) => {
      if (!entries.some((e) => e.ref === entry.ref)) entries.push(entry);
    };
    for (const ref of refs) {
      const tree = await this.#first(
        ref,
        this.#anchor(ref),
        (r) => this.#puller.pullTree(r, options.onProgress),
      );
      add(tree);
      if (!tree.graph || options.graphModules === false) continue;
      const graph = await this.pullGraph(tree.ref, options);
      for (const module of graph.modules.values()) {
        add(await this.#puller.pullTree(parseReference(module.ref), options.onProgress));
      }
    }
    const { blobs } = await writeBundle(this.#cache, entries, tarPath);
    return { refs: entries.map((e) => ({ ref: e.ref, digest: e.digest })), blobs };
  }

  /** Verifies a bundle and adds it to the cache, so its references pull with no network. */
  async importBundle(tarPath: string): Promise<ImportResult> {
    return await readBundle(this.#cache, tarPath, this.#log);
  }

  /** Releases HTTP clients. */
  close(): void {
    for (const session of this.#sessions.values()) session.close();
    this.#sessions.clear();
  }

  /** Same as {@linkcode OciClient.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The references to try for what the caller wrote, best first. */
  #anchor(text: string): OciReference[] {
    const parsed = parseReference(text);
    if (parsed.registry !== "") return [parsed];
    const fallback = this.#registries.length === 1
      ? this.#registries[0]
      : this.#registries.find((r) => r.name === "default");
    if (fallback === undefined) {
      throw new OciError(
        "bad_reference",
        `Reference "${text}" names no registry host, expected host[:port]/repository:tag ` +
          (this.#registries.length === 0
            ? "(no registries are configured)"
            : '(several registries are configured and none is named "default")'),
      );
    }
    const { registry, prefix } = splitHost(fallback.host);
    return underPrefixes(parsed, registry, prefix === "" ? [] : [prefix]);
  }

  /** Refuses a registry the policy does not allow (see `onlyConfiguredRegistries`). */
  #checkAllowed(ref: OciReference): void {
    if (!this.#onlyConfigured || isLoopbackHost(ref.registry)) return;
    if (this.#registries.some((r) => splitHost(r.host).registry === ref.registry)) return;
    const known = this.#registries.map((r) => `"${splitHost(r.host).registry}"`);
    throw new OciError(
      "not_allowed",
      `Reference "${formatReference(ref)}" names the registry "${ref.registry}", which is not ` +
        `configured; expected ${
          known.length === 0 ? "a registry under registries (there are none)" : known.join(", ")
        } or this machine (add it under registries, or set allowAnyRegistry: true)`,
    );
  }

  #sessionFor(ref: OciReference): RegistrySession {
    // Every request goes through a session, so no request reaches a registry the policy refuses.
    this.#checkAllowed(ref);
    const config = matchRegistry(this.#registries, ref);
    const key = config ?? ref.registry;
    let session = this.#sessions.get(key);
    if (session === undefined) {
      session = new RegistrySession({
        registry: ref.registry,
        config,
        fetch: this.#fetch,
        tokens: this.#tokens,
        log: this.#log,
      });
      this.#sessions.set(key, session);
    }
    return session;
  }

  /** Pushes an artifact's parts to the first place `ref` names. */
  async #push(ref: string, parts: ArtifactParts, options: PullOptions): Promise<PushedArtifact> {
    const target = this.#anchor(ref)[0]!;
    return await pushParts(this.#sessionFor(target), target, parts, options.onProgress);
  }

  async #pullFirst(
    label: string,
    candidates: readonly OciReference[],
    kind: ArtifactKind,
    onProgress: ProgressListener | undefined,
  ): Promise<PulledArtifact> {
    return await this.#first(label, candidates, (r) => this.#puller.pull(r, kind, onProgress));
  }

  /**
   * Tries each candidate until one works. Only "not there" answers (not
   * found, unauthorized, unreachable) move on; tampering or a bad artifact stops at once.
   */
  async #first<T>(
    label: string,
    candidates: readonly OciReference[],
    attempt: (ref: OciReference) => Promise<T>,
  ): Promise<T> {
    // Checked before the cache too, so a refused registry is refused the same way offline.
    candidates.forEach((c) => this.#checkAllowed(c));
    const failures: OciError[] = [];
    for (const candidate of candidates) {
      try {
        return await attempt(candidate);
      } catch (error) {
        const movesOn = error instanceof OciError &&
          (error.reason === "not_found" || error.reason === "unauthorized" ||
            error.reason === "unreachable");
        if (!movesOn || candidates.length === 1) throw error;
        failures.push(error);
      }
    }
    const reason = failures.some((f) => f.reason === "unreachable")
      ? "unreachable"
      : failures.some((f) => f.reason === "unauthorized")
      ? "unauthorized"
      : "not_found";
    const name = /^[A-Z]/.test(label) ? label : `"${label}"`;
    throw new OciError(
      reason,
      `${name} was found at none of ${
        candidates.map((c) => `"${formatReference(c)}"`).join(", ")
      }: ` +
        failures.map((f) => f.message).join("; "),
      { cause: failures[0] },
    );
  }
}

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw new OciError("io", `Cannot read "${file}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}
