/**
 * Messages between the gateway and an operator's isolation worker.
 *
 * @module
 */
import type { LogicKind } from "../engine/mod.ts";
import type { LogFields, LogLevel } from "../telemetry/mod.ts";
import type { AbiPackage } from "./module_check.ts";
import type { ModuleSchema } from "./operator_core.ts";
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
  readonly labels: Readonly<Record<string, string>>;
  /** The graph's state store file, when the module uses one. */
  readonly statePath?: string;
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

/** A log line or metric update made inside the worker, replayed by the host. */
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
    readonly labels: Record<string, string>;
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
