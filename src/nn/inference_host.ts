/**
 * What the inference worker does with each request: loads models (from the
 * module's bytes or a registered name) into shared sessions, hands out graph
 * and context ids per caller channel, runs `compute`, and answers every
 * failure with the wasi-nn code a module can act on.
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import type { Backend } from "./backend.ts";
import { type NnLimits, sizeText } from "./limits.ts";
import { ModelSession } from "./model_session.ts";
import { asNnError, NnError } from "./nn_error.ts";
import type { NnReply, NnRequest } from "./protocol.ts";
import { SessionCache } from "./session_cache.ts";
import type { NamedTensor } from "./tensor.ts";

/** The encodings this host runs (the others are `invalid-encoding`). */
export const ENCODINGS = ["onnx", "autodetect"] as const;

/**
 * ONNX Runtime session options: its defaults (one intra-op thread per core,
 * spinning between runs). Measured on 2 cores, one thread or no spinning made
 * runs slower than the contention they avoid (see tests/bench/nn_bench.ts).
 */
export const SESSION_OPTIONS: Readonly<Record<string, unknown>> = {};

/** One caller's graphs and contexts, by the ids it was given. */
interface ChannelState {
  readonly graphs: Map<number, string>;
  readonly contexts: Map<number, string>;
  next: number;
}

/** Options for {@linkcode InferenceHost}. */
export interface InferenceHostOptions {
  /** Registered models for `load-by-name`: name → file path. */
  readonly models: Readonly<Record<string, string>>;
  readonly limits: NnLimits;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Serves requests against one backend. */
export class InferenceHost {
  readonly #backend: Backend;
  readonly #options: InferenceHostOptions;
  readonly #cache: SessionCache;
  readonly #channels = new Map<number, ChannelState>();

  /** A host running models on `backend`. */
  constructor(backend: Backend, options: InferenceHostOptions) {
    this.#backend = backend;
    this.#options = options;
    this.#cache = new SessionCache(options.limits.maxSessions);
  }

  /** Starts tracking a caller channel. */
  openChannel(id: number): void {
    this.#channels.set(id, { graphs: new Map(), contexts: new Map(), next: 1 });
  }

  /** Forgets a channel and releases every session its graphs and contexts held. */
  async closeChannel(id: number): Promise<void> {
    const ch = this.#channels.get(id);
    this.#channels.delete(id);
    if (!ch) return;
    for (const key of [...ch.graphs.values(), ...ch.contexts.values()]) {
      await this.#cache.release(key);
    }
  }

  /** Sessions held now and created so far. */
  stats(): { live: number; created: number } {
    return this.#cache.stats();
  }

  /** Answers one request of channel `id`; never throws. */
  async handle(id: number, request: NnRequest): Promise<NnReply> {
    try {
      const ch = this.#channels.get(id);
      if (!ch) throw new NnError("runtime-error", `wasi-nn channel ${id} is closed`);
      return await this.#handle(ch, request);
    } catch (error) {
      return { ok: false, error: asNnError(error) };
    }
  }

  async #handle(ch: ChannelState, r: NnRequest): Promise<NnReply> {
    switch (r.op) {
      case "load":
        return this.#add(ch.graphs, ch, await this.#loadBytes(r.builders, r.encoding, r.target));
      case "load-by-name":
        return this.#add(ch.graphs, ch, await this.#loadByName(r.name));
      case "init": {
        const key = this.#key(ch.graphs, r.graph, "graph");
        this.#cache.retain(key);
        return this.#add(ch.contexts, ch, key);
      }
      case "compute":
        return { ok: true, outputs: await this.#compute(ch, r.context, r.inputs) };
      case "drop-graph":
      case "drop-context": {
        const map = r.op === "drop-graph" ? ch.graphs : ch.contexts;
        const handle = r.op === "drop-graph" ? r.graph : r.context;
        const key = map.get(handle);
        map.delete(handle);
        if (key) await this.#cache.release(key);
        return { ok: true };
      }
    }
  }

  #add(map: Map<number, string>, ch: ChannelState, key: string): NnReply {
    const id = ch.next++;
    map.set(id, key);
    return { ok: true, id };
  }

  #key(map: Map<number, string>, handle: number, what: string): string {
    const key = map.get(handle);
    if (!key) throw new NnError("invalid-argument", `Unknown ${what} handle ${handle}`);
    return key;
  }

  async #compute(ch: ChannelState, context: number, inputs: readonly NamedTensor[]) {
    const key = this.#key(ch.contexts, context, "execution context");
    // The context holds a reference, so its session is there.
    return await this.#cache.get(key)!.compute(inputs);
  }

  #checkSize(bytes: number, what: string): void {
    const max = this.#options.limits.maxModelBytes;
    if (bytes > max) {
      throw new NnError(
        "too-large",
        `${what} is ${sizeText(bytes)}; this gateway loads models up to ${
          sizeText(max)
        } (ml.maxModelBytes)`,
      );
    }
  }

  async #loadBytes(builders: readonly Uint8Array[], encoding: string, target: string) {
    if (!(ENCODINGS as readonly string[]).includes(encoding)) {
      throw new NnError(
        "invalid-encoding",
        `Encoding "${encoding}" is not supported; this gateway runs "onnx" models (or "autodetect")`,
      );
    }
    if (target !== "cpu") {
      throw new NnError(
        "unsupported-operation",
        `Execution target "${target}" is not available on this gateway; use "cpu"`,
      );
    }
    if (builders.length !== 1) {
      throw new NnError(
        "invalid-argument",
        `An ONNX model is one graph builder; got ${builders.length}`,
      );
    }
    const bytes = builders[0]!;
    this.#checkSize(bytes.byteLength, "The model");
    const digest = await sha256(bytes);
    const label = `sha256:${digest.slice(0, 12)}`;
    return await this.#session(`sha256:${digest}`, label, bytes, encoding === "autodetect");
  }

  async #loadByName(name: string): Promise<string> {
    const path = Object.hasOwn(this.#options.models, name) ? this.#options.models[name] : undefined;
    if (path === undefined) {
      const names = Object.keys(this.#options.models).sort();
      throw new NnError(
        "not-found",
        `Model "${name}" is not registered on this gateway; ${
          names.length === 0 ? "no models are registered" : `registered: ${names.join(", ")}`
        }`,
      );
    }
    let bytes: Uint8Array;
    try {
      this.#checkSize((await stat(path)).size, `Model "${name}"`);
      bytes = new Uint8Array(await readFile(path));
    } catch (error) {
      if (error instanceof NnError) throw error;
      throw new NnError(
        "not-found",
        `Model "${name}" is registered as "${path}", which cannot be read: ${
          (error as Error).message
        }`,
      );
    }
    return await this.#session(`name:${name}`, name, bytes, false);
  }

  async #session(key: string, label: string, bytes: Uint8Array, autodetect: boolean) {
    const { ort } = this.#backend;
    await this.#cache.acquire(key, async () => {
      try {
        return new ModelSession(
          label,
          await ort.InferenceSession.create(bytes, SESSION_OPTIONS),
          ort,
        );
      } catch (error) {
        const text = (error instanceof Error ? error.message : String(error)).trim();
        throw autodetect
          ? new NnError(
            "invalid-encoding",
            `The model bytes are not in a format this gateway runs (only ONNX): ${text}`,
          )
          : new NnError("invalid-argument", `Model "${label}" is not a valid ONNX model: ${text}`);
      }
    });
    return key;
  }
}
