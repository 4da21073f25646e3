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
import type { DeadLetterDetail, DeadLetterEntry, PreviewFormat } from "./dead_letter_view.ts";
import type { TrendSeries } from "./trends.ts";

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

/**
 * Where the serving version came from: the configuration file, the embedded
 * default (no configuration file), or a deployment saved in the data
 * directory (by a deploy or rollback, here or before a restart).
 */
export type ServedFrom = "configuration" | "embedded-default" | "saved-deployment";

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
  /** Records the source is behind its log (a Kafka source's consumer lag), once measured. */
  readonly sourceLag?: number;
  /** Dead letters kept for this dataflow. */
  readonly deadLetters: number;
  /** Where the serving version came from. */
  readonly servedFrom: ServedFrom;
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

/** Which dead letters: every field narrows; none means all of them. */
export interface DeadLetterQuery {
  readonly dataflow?: string;
  /** The operation that failed on them. */
  readonly operation?: string;
  /** Text their reason contains (any case). */
  readonly reason?: string;
  /** Only these. */
  readonly seqs?: readonly number[];
  /** Only those older than this seq: the previous page's `next`. */
  readonly before?: number;
  /** Page size for listing. @default 50 */
  readonly limit?: number;
}

/** A page of dead letters, newest first. */
export interface DeadLetterPage {
  readonly deadLetters: readonly DeadLetterEntry[];
  /** Pass as `before` for the next page; absent on the last one. */
  readonly next?: number;
  /** How many match the filters, over all pages. */
  readonly total: number;
}

/** The outcome of a replay. */
export interface ReplayResult {
  /** Records fed back into their dataflows. */
  readonly replayed: number;
  /** Of those, handled while the call waited (their dead letters are gone). */
  readonly handled: number;
  /** Dead letters that could not be replayed, with why. */
  readonly skipped: readonly { readonly seq: number; readonly reason: string }[];
}

/** What the outbound queue holds: outputs and dead letters, each against its own budget. */
export interface QueueSummary {
  readonly outputs: { readonly count: number; readonly bytes: number };
  readonly deadLetters: { readonly count: number; readonly bytes: number };
  /** Dead letters dropped to stay within their budget since the gateway started. */
  readonly deadLettersDropped: number;
}

/** One record seen crossing an edge. */
export interface TapSample {
  readonly dataflow: string;
  readonly from: string;
  readonly to: string;
  /** ISO time it crossed. */
  readonly at: string;
  /** The record's time (HLC). */
  readonly ts: string;
  /** `message`, `snapshot` or `bytes`. */
  readonly dataKind: string;
  readonly topic?: string;
  readonly contentType?: string;
  readonly properties: readonly (readonly [string, string])[];
  readonly payloadBytes: number;
  readonly preview: {
    readonly as: PreviewFormat;
    readonly text: string;
    readonly truncated: boolean;
  };
  /** Records that crossed since the previous sample and were not shown (the rate limit). */
  readonly skipped: number;
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
  /** Dead letters, newest first, a page at a time. */
  deadLetters(query?: DeadLetterQuery): DeadLetterPage;
  /** One dead letter with its payload, previewed as asked (by default JSON, text or hex). */
  deadLetter(seq: number, as?: PreviewFormat): DeadLetterDetail | undefined;
  /**
   * The matching dead letters as `weir graph test` input lines, oldest first;
   * those holding no whole message are counted in `skipped`.
   */
  exportDeadLetters(query?: DeadLetterQuery, skipped?: { count: number }): Iterable<string>;
  /** Feeds the matching dead letters back into their dataflows; each leaves once handled. */
  replayDeadLetters(query: DeadLetterQuery): Promise<ReplayResult>;
  /** Deletes the matching dead letters; returns how many. */
  purgeDeadLetters(query: DeadLetterQuery): number;
  /** What the outbound queue holds. */
  queue(): QueueSummary;
  /** Rates, latency, queue depth and dead letters over the last hour. */
  trends(): TrendSeries;
  /**
   * Shows records crossing the edge `from` → `to` of a dataflow's serving
   * version, sampled (at most `perSecond`); returns the function that stops it.
   *
   * @throws {WeirError} `not_found` for an unknown dataflow or edge.
   */
  tap(
    dataflow: string,
    edge: { readonly from: string; readonly to: string },
    listener: (sample: TapSample) => void,
    options?: { readonly perSecond?: number },
  ): () => void;
}
