/**
 * Runs a module in its own Deno Worker with no permissions (the default), or,
 * for a module that uses the state store, read and write on its graph's state
 * store file only. A batch crosses as one transferred buffer each way. A module that overruns its
 * deadline on an item (its own time: waiting on inference is the host's, see deadline_watch.ts)
 * terminates the worker; the item it was on goes to the dead-letter
 * output, a fresh worker (with `init` re-run) takes the rest. A worker that
 * dies (out of memory, a crash) is handled the same way.
 *
 * @module
 */
import { defined, siblingModuleUrl, WeirError } from "../base/mod.ts";
import { type AccumulateGroup, Failure, type OperatorLogic, type Rec } from "../engine/mod.ts";
import { type Logger, moduleMetrics, type ModuleMetricsSink } from "../telemetry/mod.ts";
import { decodeOutcomes, encodeItems } from "./batch_codec.ts";
import type { CompiledModule } from "./compiled_module.ts";
import type { Outcome } from "./operator_core.ts";
import { asLogic } from "./outcomes.ts";
import { type DeadlineBounds, watchDeadline } from "./deadline_watch.ts";
import { ITEM, PROGRESS_BYTES } from "./progress_slots.ts";
import { StuckWorkers } from "./stuck_workers.ts";
import type { NnLink } from "./wasi_nn.ts";
import { requireOperator, type WasmOperatorOptions } from "./wasm_operator.ts";
import type { InitMessage, Telemetry, WorkerReply } from "./worker_protocol.ts";

/** Options for {@linkcode createIsolatedOperator}. */
export interface IsolatedOperatorOptions extends WasmOperatorOptions {
  /** The module's own time per item, in ms (time blocked in inference not counted). @default 1000 */
  readonly deadlineMs?: number;
  /**
   * The graph's state store file; the worker may read and write it (and its WAL files),
   * nothing else. Its quota is the services' store's.
   */
  readonly statePath?: string;
}

/**
 * The permissions of a worker: none, or read and write on one state store file and the two
 * files SQLite keeps beside it in WAL mode, so not even another file of its folder.
 */
export function workerPermissions(statePath: string | undefined): Deno.PermissionOptions {
  if (statePath === undefined) return "none";
  const files = [statePath, `${statePath}-wal`, `${statePath}-shm`];
  return {
    env: false,
    net: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
    read: files,
    write: files,
  };
}

/** Records what the worker's module logged and measured, scoped by the host. */
function replay(telemetry: readonly Telemetry[], log: Logger, metrics: ModuleMetricsSink): void {
  for (const t of telemetry) {
    if (t.t === "log") log.log(t.level, t.message, t.fields);
    else if (t.t === "add") metrics.add(t.name, t.value, t.labels);
    else metrics.observe(t.name, t.value, t.labels);
  }
}

/** Why a batch did not come back. */
class Lost {
  /** `overran`: stopped on its deadline, so its thread may still be running. */
  constructor(readonly at: number, readonly reason: string, readonly overran = false) {}
}

/** One worker and the way to talk to it. */
class WorkerHandle {
  readonly #worker: Worker;
  /** What the worker is doing, for the deadline watch (see progress_slots.ts). */
  readonly #progress = new SharedArrayBuffer(PROGRESS_BYTES);
  #waiting: ((reply: WorkerReply | Lost) => void) | undefined;
  /** Whether it has run a batch: its code is compiled and its memory grown. */
  warm = false;

  constructor(statePath: string | undefined) {
    this.#worker = new Worker(siblingModuleUrl(import.meta.url, "operator_worker"), {
      type: "module",
      deno: { permissions: workerPermissions(statePath) },
    });
    this.#worker.onmessage = (e: MessageEvent<WorkerReply>) => this.#settle(e.data);
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#settle(new Lost(this.at, `Worker failed: ${e.message}`));
    };
  }

  get progress(): SharedArrayBuffer {
    return this.#progress;
  }

  /** The index of the item the worker is on. */
  get at(): number {
    return Atomics.load(new Int32Array(this.#progress), ITEM);
  }

  #settle(r: WorkerReply | Lost): void {
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.(r);
  }

  /** Posts a message and waits for the reply, or for the module to overrun its deadline. */
  ask(
    message: unknown,
    transfer: Transferable[],
    bounds: DeadlineBounds,
  ): Promise<WorkerReply | Lost> {
    const slots = new Int32Array(this.#progress);
    for (let i = 0; i < slots.length; i++) Atomics.store(slots, i, 0);
    return new Promise((resolve) => {
      const stop = watchDeadline(
        slots,
        bounds,
        (at, reason) => this.#settle(new Lost(at, reason, true)),
      );
      this.#waiting = (r) => {
        stop();
        resolve(r);
      };
      this.#worker.postMessage(message, transfer);
    });
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/** The wasi-nn link a worker gets: plain data, on a new channel when it replaces another. */
async function workerNn(link: NnLink, replacing: boolean): Promise<NnLink> {
  const channel = replacing && link.renew ? await link.renew() : link.channel;
  return { policy: link.policy, ...(channel ? { channel } : {}) };
}

/** How many deadlines a fresh worker's first record may take (see deadline_watch.ts). */
export const FIRST_ITEM_FACTOR = 5;

/** Creates an isolated operator; fails when `init` refuses its configuration. */
export async function createIsolatedOperator(
  module: CompiledModule,
  options: IsolatedOperatorOptions,
): Promise<OperatorLogic> {
  const { operation, kind, services } = options;
  requireOperator(module, operation, kind);
  const deadline = options.deadlineMs ?? 1000;
  // An item may wait on inference for one load and one compute at their limits, not forever.
  const nnLimits = services.nn?.channel?.limits;
  const hostWaitCapMs = nnLimits ? nnLimits.loadTimeoutMs + nnLimits.computeTimeoutMs : 0;
  const bounds: DeadlineBounds = { deadlineMs: deadline, hostWaitCapMs };
  const freshBounds: DeadlineBounds = { ...bounds, firstItemMs: deadline * FIRST_ITEM_FACTOR };
  const cores = await module.coreModules();
  let restarts = 0;

  const usesState = module.info.imports.some((i) => /\/state-store@/.test(i));
  const statePath = usesState ? options.statePath : undefined;
  const stateQuota = services.stateStore?.quota;
  // Kept by the host: a replaced worker cannot reset its series count or reach other names.
  const metrics = moduleMetrics(services.metrics, services.labels);
  const stuck = new StuckWorkers(services.log, services.metrics, services.labels);
  const spawn = async (): Promise<WorkerHandle> => {
    const nn = services.nn && await workerNn(services.nn, restarts > 0);
    const handle = new WorkerHandle(statePath);
    const init: InitMessage = {
      type: "init",
      bindings: module.bindingsSource,
      cores,
      package: module.info.package,
      operation,
      kind,
      properties: options.properties,
      schemas: options.schemas ?? [],
      ...defined({ statePath }),
      ...(statePath === undefined || stateQuota === undefined ? {} : { stateQuota }),
      ...(nn ? { nn } : {}),
      progress: handle.progress,
    };
    // Instantiation and init get a generous deadline of their own: compiling, and a machine
    // busy with other work, are not the module's fault; an init that never returns still ends.
    const r = await handle.ask(init, [], {
      ...bounds,
      deadlineMs: Math.max(deadline, 30_000),
    });
    if (r instanceof Lost || r.type !== "ready") {
      handle.terminate();
      if (!(r instanceof Lost)) replay(r.telemetry, services.log, metrics);
      const message = r instanceof Lost
        ? `Operation "${operation}": ${r.reason} while starting`
        : r.type === "failed"
        ? r.message
        : "unexpected reply";
      const code = !(r instanceof Lost) && r.type === "failed" && r.code === "module_init_failed"
        ? "module_init_failed"
        : "operator_failed";
      throw new WeirError(code, message);
    }
    replay(r.telemetry, services.log, metrics);
    return handle;
  };

  let worker = await spawn();

  const runItems = async (
    items: readonly Rec[] | readonly AccumulateGroup[],
    groups: boolean,
  ): Promise<Outcome[]> => {
    if (items.length === 0) return [];
    const buffer = encodeItems(items, groups);
    const r = await worker.ask(
      { type: "batch", buffer },
      [buffer],
      worker.warm ? bounds : freshBounds,
    );
    worker.warm = true;
    if (!(r instanceof Lost) && r.type === "result") {
      replay(r.telemetry, services.log, metrics);
      return decodeOutcomes(r.buffer);
    }
    const lost = r instanceof Lost ? r : new Lost(0, "Worker sent an unexpected reply");
    worker.terminate();
    if (lost.overran) stuck.add(worker.progress);
    restarts++;
    services.log.log("warn", "module worker replaced", {
      reason: lost.reason,
      item: lost.at,
      restarts,
    });
    worker = await spawn();
    // Items before the culprit ran on the old worker, but their results died with it: run them again.
    const at = Math.min(lost.at, items.length - 1);
    const before = await runItems(items.slice(0, at) as typeof items, groups);
    const after = await runItems(items.slice(at + 1) as typeof items, groups);
    return [...before, new Failure(lost.reason), ...after];
  };

  return asLogic(
    kind,
    (items) => runItems(items, kind === "accumulate"),
    () => {
      worker.terminate();
      stuck.close();
    },
  );
}
