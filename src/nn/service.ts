/**
 * The gateway's wasi-nn service: starts the inference worker on first use
 * (the only thread with FFI and read permission for ONNX Runtime and the
 * model files), opens a channel per operation that uses wasi-nn, and closes
 * them when the operation goes, releasing its sessions.
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { siblingModuleUrl, WeirError } from "../base/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { BackendName } from "./backend.ts";
import type { NnChannel } from "./channel.ts";
import { DEFAULT_NN_LIMITS, type NnLimits } from "./limits.ts";
import { createMailbox } from "./mailbox.ts";
import type { ControlMessage, WorkerEvent } from "./worker_messages.ts";

/** Options for {@linkcode NnService}. */
export interface NnServiceOptions {
  /** Models for `load-by-name`: name → file path. @default {} */
  readonly models?: Readonly<Record<string, string>>;
  /** @default DEFAULT_NN_LIMITS */
  readonly limits?: Partial<NnLimits>;
  /** Which ONNX Runtime to use; "auto" falls back to the WebAssembly one. @default "auto" */
  readonly backend?: "auto" | "node" | "web";
  readonly log: Logger;
}

/** The package folder of an npm import, for the worker's read and FFI permission. */
function packageDir(specifier: string): string | undefined {
  try {
    return dirname(dirname(fileURLToPath(import.meta.resolve(specifier))));
  } catch {
    return undefined;
  }
}

/**
 * Whether this thread holds `name` for `path`. Asked per path: under a scoped
 * grant (`--allow-ffi=<dir>`, as the service runs) a query without a path
 * answers "prompt", which would leave the worker without the runtime.
 */
function grantedFor(name: "ffi" | "read", path: string): boolean {
  return Deno.permissions.querySync({ name, path }).state === "granted";
}

/** Owns the inference worker and the channels to it. */
export class NnService {
  readonly limits: NnLimits;
  readonly #options: NnServiceOptions;
  readonly #doorbell = new SharedArrayBuffer(4);
  #worker: Worker | undefined;
  #ready: Promise<BackendName> | undefined;
  #waiting = new Map<string, (e: WorkerEvent) => void>();
  #nextId = 1;

  /** A service; no thread starts until a channel is opened. */
  constructor(options: NnServiceOptions) {
    this.#options = options;
    this.limits = { ...DEFAULT_NN_LIMITS, ...options.limits };
  }

  /** The registered model names. */
  get modelNames(): string[] {
    return Object.keys(this.#options.models ?? {}).sort();
  }

  #spawn(): Promise<BackendName> {
    const models = this.#options.models ?? {};
    const nodeDir = packageDir("onnxruntime-node");
    const packages = [nodeDir, packageDir("onnxruntime-web")]
      .filter((d): d is string => d !== undefined);
    const read = [...packages, ...Object.values(models).map((p) => dirname(p))]
      .filter((p) => grantedFor("read", p));
    // Only the native runtime loads an add-on; onnxruntime-web is WebAssembly.
    const ffi = nodeDir !== undefined && grantedFor("ffi", nodeDir) ? [nodeDir] : false;
    const worker = new Worker(siblingModuleUrl(import.meta.url, "inference_worker"), {
      type: "module",
      deno: {
        permissions: {
          env: false,
          net: false,
          run: false,
          sys: false,
          write: false,
          import: false,
          ffi,
          read: read.length > 0 ? read : false,
        },
      },
    });
    this.#worker = worker;
    worker.onmessage = (e: MessageEvent<WorkerEvent>) => this.#event(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#options.log.log("error", "wasi-nn inference worker failed", { error: e.message });
      this.#fail(`The inference worker failed: ${e.message}`);
    };
    const start: ControlMessage = {
      type: "start",
      models,
      limits: this.limits,
      doorbell: this.#doorbell,
      prefer: this.#options.backend ?? "auto",
    };
    const ready = this.#expect("ready").then((e) => {
      if (e.type === "failed") throw new WeirError("operator_failed", e.message);
      const r = e as Extract<WorkerEvent, { type: "ready" }>;
      if (r.fallbackReason) {
        this.#options.log.log("warn", "wasi-nn runs on onnxruntime-web", {
          reason: r.fallbackReason,
        });
      } else this.#options.log.log("info", "wasi-nn runs on " + r.backend);
      return r.backend;
    });
    worker.postMessage(start);
    return ready;
  }

  #expect(key: string): Promise<WorkerEvent> {
    return new Promise((resolve) => this.#waiting.set(key, resolve));
  }

  #event(e: WorkerEvent): void {
    const key = e.type === "opened" || e.type === "closed"
      ? `${e.type}:${e.id}`
      : e.type === "failed"
      ? "ready"
      : e.type;
    const w = this.#waiting.get(key);
    this.#waiting.delete(key);
    w?.(e);
  }

  #fail(message: string): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w({ type: "failed", message });
  }

  /** Which ONNX Runtime runs the models (starts the worker). */
  backend(): Promise<BackendName> {
    this.#ready ??= this.#spawn();
    return this.#ready;
  }

  /** A new channel for one operation's module instance. */
  async openChannel(): Promise<NnChannel> {
    await this.backend();
    const id = this.#nextId++;
    const mailbox = createMailbox(this.limits.maxModelBytes + 2 ** 20);
    const opened = this.#expect(`opened:${id}`);
    this.#worker!.postMessage({ type: "open", id, mailbox } satisfies ControlMessage);
    const e = await opened;
    if (e.type === "failed") throw new WeirError("operator_failed", e.message);
    return { id, mailbox, doorbell: this.#doorbell, limits: this.limits };
  }

  /** Closes a channel; its sessions are released once no one else uses them. */
  async closeChannel(channel: NnChannel): Promise<void> {
    if (!this.#worker) return;
    const closed = this.#expect(`closed:${channel.id}`);
    this.#worker.postMessage({ type: "close", id: channel.id } satisfies ControlMessage);
    await closed;
  }

  /** A new channel in place of `old`, which is closed (its late requests go unanswered). */
  async replaceChannel(old: NnChannel): Promise<NnChannel> {
    const fresh = await this.openChannel();
    await this.closeChannel(old);
    return fresh;
  }

  /** Sessions held now and created since the start. */
  async stats(): Promise<{ live: number; created: number }> {
    if (!this.#worker) return { live: 0, created: 0 };
    const answer = this.#expect("stats");
    this.#worker.postMessage({ type: "stats" } satisfies ControlMessage);
    const e = await answer;
    if (e.type !== "stats") throw new WeirError("operator_failed", "The inference worker is gone");
    return { live: e.live, created: e.created };
  }

  /** Stops the worker; every session goes with it. */
  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#ready = undefined;
    this.#fail("The wasi-nn service is closed");
  }
}
