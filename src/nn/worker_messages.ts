/**
 * Control messages between the gateway thread and the inference worker
 * (requests themselves go through mailboxes, not messages).
 *
 * @module
 */
import type { BackendName } from "./backend.ts";
import type { NnLimits } from "./limits.ts";

/** Gateway → worker. */
export type ControlMessage =
  | {
    readonly type: "start";
    readonly models: Readonly<Record<string, string>>;
    readonly limits: NnLimits;
    readonly doorbell: SharedArrayBuffer;
    readonly prefer: "auto" | "node" | "web";
  }
  | { readonly type: "open"; readonly id: number; readonly mailbox: SharedArrayBuffer }
  | { readonly type: "close"; readonly id: number }
  | { readonly type: "stats" };

/** Worker → gateway. */
export type WorkerEvent =
  | { readonly type: "ready"; readonly backend: BackendName; readonly fallbackReason?: string }
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "opened" | "closed"; readonly id: number }
  | { readonly type: "stats"; readonly live: number; readonly created: number };
