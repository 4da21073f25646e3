/**
 * The isolation worker: runs one operation's module instance with no Deno
 * permissions. It gets the bindings source and the compiled core modules,
 * runs packed batches, and sends back packed outcomes plus the log lines and
 * metric updates the module made, for the host to record.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { WeirError } from "../base/mod.ts";
import type { LogFields, Logger, LogLevel } from "../telemetry/mod.ts";
import { decodeItems, encodeOutcomes } from "./batch_codec.ts";
import type { ModuleExports } from "./compiled_module.ts";
import { hostImports } from "./host_imports.ts";
import { type OperatorCore, startOperatorCore } from "./operator_core.ts";
import { HostWaitMeter, ITEM, REPLIED } from "./progress_slots.ts";
import { StateStore } from "./state_store.ts";
import { ForwardedModuleMetrics } from "./worker_metrics.ts";
import type { BatchMessage, InitMessage, Telemetry, WorkerReply } from "./worker_protocol.ts";

let pending: Telemetry[] = [];
let core: OperatorCore | undefined;
let progress: Int32Array | undefined;

function forwardingLogger(scope: LogFields): Logger {
  return {
    log: (level: LogLevel, message: string, fields: LogFields = {}) =>
      pending.push({ t: "log", level, message, fields: { ...scope, ...fields } }),
    child: (fields) => forwardingLogger({ ...scope, ...fields }),
  };
}

/** Module metrics, for the host to scope and record. */
const forwardingMetrics = new ForwardedModuleMetrics((t) => pending.push(t));

function reply(message: WorkerReply, transfer: Transferable[] = []): void {
  // Slot 1 tells the host's deadline timer the reply is on its way, in case the host's own
  // thread was too busy to read it in time.
  if (progress) Atomics.store(progress, REPLIED, 1);
  self.postMessage(message, transfer);
  pending = [];
}

type Instantiate = (
  getCoreModule: (name: string) => Promise<WebAssembly.Module>,
  imports: Record<string, Record<string, unknown>>,
) => Promise<ModuleExports>;

async function init(msg: InitMessage): Promise<void> {
  progress = new Int32Array(msg.progress);
  const url = URL.createObjectURL(new Blob([msg.bindings], { type: "text/javascript" }));
  const { instantiate } = await import(url) as { instantiate: Instantiate };
  URL.revokeObjectURL(url);
  const cores = new Map(msg.cores);
  const log = forwardingLogger({});
  const services = {
    log,
    moduleMetrics: forwardingMetrics,
    ...(msg.statePath
      ? {
        stateStore: new StateStore(
          msg.statePath,
          msg.stateQuota === undefined ? {} : { quota: msg.stateQuota },
        ),
      }
      : {}),
    ...(msg.nn ? { nn: msg.nn } : {}),
    hostWait: new HostWaitMeter(progress),
  };
  try {
    core = await startOperatorCore({
      operation: msg.operation,
      kind: msg.kind,
      properties: msg.properties,
      schemas: msg.schemas,
      log,
      instantiate: () =>
        instantiate(
          (name) => Promise.resolve(cores.get(name)!),
          hostImports(msg.package, services),
        ),
    });
    reply({ type: "ready", telemetry: pending });
  } catch (error) {
    const code = error instanceof WeirError ? error.code : "operator_failed";
    reply({
      type: "failed",
      code,
      message: (error as Error).message ?? String(error),
      telemetry: pending,
    });
  }
}

async function batch(msg: BatchMessage): Promise<void> {
  const items = decodeItems(msg.buffer);
  const outcomes = await core!.run(items, (i) => Atomics.store(progress!, ITEM, i));
  const buffer = encodeOutcomes(outcomes);
  reply({ type: "result", buffer, telemetry: pending }, [buffer]);
}

self.onmessage = (e: MessageEvent<InitMessage | BatchMessage>) => {
  const run = e.data.type === "init" ? init(e.data) : batch(e.data);
  run.catch((error) => {
    // Anything unexpected ends this worker; the host sees it and replaces it.
    throw error;
  });
};
