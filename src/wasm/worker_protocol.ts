/**
 * Messages between the gateway and an operator's isolation worker.
 *
 * @module
 */
import type { LogicKind } from "../engine/mod.ts";
import type { LogFields, LogLevel, ModuleLabel } from "../telemetry/mod.ts";
import type { AbiPackage } from "./module_check.ts";
import type { ModuleSchema } from "./operator_core.ts";
import type { StateQuota } from "./state_store.ts";
import type { NnLink } from "./wasi_nn.ts";

/** Host → worker: instantiate and `init`. */
export interface InitMessage {
  readonly type: "init";
  readonly bindings: string;
  readonly cores: Array<[string, WebAssembly.Module]>;
  readonly package: AbiPackage;
  readonly operation: string;
  readonly kind: LogicKind;
  readonly properties: ReadonlyArray<readonly [string, string]>;
  readonly schemas: readonly ModuleSchema[];
  /** The graph's state store file, when the module uses one, and its quota. */
  readonly statePath?: string;
  readonly stateQuota?: StateQuota;
  /** One Int32: the index of the item being processed, for deadline reports. */
  readonly progress: SharedArrayBuffer;
  /** wasi-nn access (the channel is shared memory, so it crosses as is). */
  readonly nn?: NnLink;
}

/** Host → worker: run a packed batch. */
export interface BatchMessage {
  readonly type: "batch";
  readonly buffer: ArrayBuffer;
}

/**
 * A log line or metric update made inside the worker, replayed by the host. Metric updates
 * carry what the module gave (its name and labels); the host scopes them.
 */
export type Telemetry =
  | {
    readonly t: "log";
    readonly level: LogLevel;
    readonly message: string;
    readonly fields: LogFields;
  }
  | {
    readonly t: "add" | "observe";
    readonly name: string;
    readonly value: number;
    readonly labels?: readonly ModuleLabel[];
  };

/** Worker → host. */
export type WorkerReply =
  | { readonly type: "ready"; readonly telemetry: Telemetry[] }
  | {
    readonly type: "failed";
    readonly code: string;
    readonly message: string;
    readonly telemetry: Telemetry[];
  }
  | { readonly type: "result"; readonly buffer: ArrayBuffer; readonly telemetry: Telemetry[] };
