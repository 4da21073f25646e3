/**
 * The gateway's control surface: what an operator (the admin API, tests, a
 * future CLI) may ask of a running gateway. Dataflows have versions: a deploy
 * loads and initialises a new version of a dataflow's graph beside the
 * running one, switches input to it at a clean point, lets the old version
 * finish what it holds, and keeps it ready for a rollback.
 *
 * @module
 */
import type { OperationStats } from "../engine/mod.ts";

/** A module a graph version uses. */
export interface ModuleInfo {
  /** The module's name (`temperature`). */
  readonly name: string;
  /** The reference as the graph wrote it (`temperature:1.0.0`). */
  readonly ref: string;
  /** The OCI reference it was pulled from, when it came from a registry. */
  readonly pulledFrom?: string;
  /** `sha256:<hex>` of the `.wasm` bytes. */
  readonly digest: string;
  readonly size: number;
  /** Dataflows and version ids using it. */
  readonly usedBy: readonly { readonly dataflow: string; readonly version: number }[];
}

/** The shape of a graph, enough to draw it. */
export interface GraphDrawing {
  readonly operations: readonly {
    readonly name: string;
    /** `source`, `map`, `filter`, `branch`, `accumulate`, `delay`, `concatenate`, `sink`. */
    readonly type: string;
    readonly module?: string;
  }[];
  readonly connections: readonly {
    readonly from: string;
    readonly to: string;
    /** Set on a branch's outgoing edges. */
    readonly arm?: "True" | "False";
  }[];
}

/** Where a version came from. */
export type VersionOrigin = "config" | "oci" | "upload";

/** One loaded version of a dataflow's graph. */
export interface GraphVersion {
  /** 1, 2, … per dataflow, in deploy order. */
  readonly id: number;
  readonly origin: VersionOrigin;
  /** The OCI reference as requested (`127.0.0.1:5000/graph-simple:1.0.0`). */
  readonly ref?: string;
  /** The graph artifact's manifest digest (OCI) or `sha256:` of the YAML text. */
  readonly digest: string;
  readonly graphName: string;
  /** ISO time it started serving (or was loaded, for a standby). */
  readonly loadedAt: string;
  readonly configuration: Readonly<Record<string, string>>;
  readonly modules: readonly Omit<ModuleInfo, "usedBy">[];
  readonly graph: GraphDrawing;
}

/** A dataflow's state. */
export type DataflowState = "running" | "stopped" | "failed";

/** What a dataflow is doing now. */
export interface DataflowStatus {
  readonly name: string;
  readonly state: DataflowState;
  /** Why it failed, when it did (its input then goes to the dead letters). */
  readonly error?: string;
  readonly source: { readonly endpoint: string; readonly topics: readonly string[] };
  readonly destination: { readonly endpoint: string; readonly topic: string };
  /** The serving version; absent for a plain bridge. */
  readonly current?: GraphVersion;
  /** The version a rollback returns to. */
  readonly previous?: GraphVersion;
  /** Old versions still finishing records they took before a switch. */
  readonly draining: number;
  /** A deploy in progress, by phase. */
  readonly deploying?: DeployPhase;
  /** Per-operation counters of the serving version since it started. */
  readonly stats: Readonly<Record<string, OperationStats>>;
  /** Messages waiting in the outbound queue for this destination. */
  readonly queued: number;
  /** A tag re-pulled on an interval; a new digest is hot-loaded. */
  readonly watch?: { readonly ref: string; readonly intervalSeconds: number };
}

/** One broker connection: up or down, since when, the last error while down. */
export interface EndpointStatus {
  /** The endpoint's name in the configuration. */
  readonly name: string;
  readonly up: boolean;
  /** ISO time of the last change. */
  readonly since: string;
  readonly error?: string;
}

/** What to deploy: an OCI reference or an uploaded graph YAML. */
export interface DeployRequest {
  /** `<registry>/<repo>:<tag>` or `…@sha256:…`. */
  readonly ref?: string;
  /** Graph YAML text; its modules resolve in the gateway's modules folder. */
  readonly yaml?: string;
  /** Replaces the dataflow's graph configuration values; the current ones when absent. */
  readonly configuration?: Readonly<Record<string, string>>;
  /** Re-pull `ref` every so many seconds and hot-load a new digest; 0 stops watching. */
  readonly watchSeconds?: number;
}

/** Deploy phases, in order. */
export type DeployPhase = "pull" | "load" | "init" | "switch" | "done";

/** Progress of a deploy. */
export interface DeployProgress {
  readonly phase: DeployPhase;
  readonly message?: string;
  /** Bytes pulled so far and in total, in the pull phase. */
  readonly doneBytes?: number;
  readonly totalBytes?: number;
}

/** The outcome of a deploy or rollback. */
export interface DeployResult {
  readonly version: GraphVersion;
  /** Input paused for the switch, in milliseconds. */
  readonly switchMs: number;
  /** From request to the new version serving, in milliseconds. */
  readonly totalMs: number;
}

/** Something that happened, for the live feed. */
export interface GatewayEvent {
  readonly kind: "log" | "dead-letter" | "deploy" | "state";
  /** ISO time. */
  readonly ts: string;
  readonly dataflow?: string;
  /** For logs: level, msg and fields; for dead letters: operation, reason, topic, … */
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The control surface of a running gateway. Methods that change state reject
 * with a `WeirError`: `not_found` for an unknown dataflow, `conflict` while
 * another deploy of that dataflow runs or when there is nothing to roll back
 * to, `graph_invalid`/`module_invalid`/`module_init_failed` when the new
 * version cannot load (the running version is untouched).
 */
export interface GatewayControl {
  dataflows(): DataflowStatus[];
  /** Every broker connection the dataflows use. */
  endpoints(): EndpointStatus[];
  dataflow(name: string): DataflowStatus | undefined;
  /** Loads a new version and switches to it with no message lost or duplicated. */
  deploy(
    name: string,
    request: DeployRequest,
    onProgress?: (p: DeployProgress) => void,
  ): Promise<DeployResult>;
  /** Switches back to the previous version (which becomes the new previous). */
  rollback(name: string): Promise<DeployResult>;
  /** Stops taking input (unacknowledged messages stay with the broker). */
  stop(name: string): Promise<void>;
  /** Starts a stopped dataflow again on its current version. */
  start(name: string): Promise<void>;
  /** Every module in use, with digests. */
  modules(): ModuleInfo[];
  /** Recent events, oldest first (a bounded ring). */
  recentEvents(kind?: GatewayEvent["kind"], limit?: number): GatewayEvent[];
  /** Live events; returns the unsubscribe function. */
  subscribe(listener: (event: GatewayEvent) => void): () => void;
}
