/**
 * Module metrics inside an isolation worker: each update is sent to the host,
 * which scopes, bounds and records it (telemetry's module_metrics.ts). The
 * worker answers the module at once, so it refuses here what it can tell on
 * its own: a value a counter cannot take, and a name this module already used
 * as the other kind.
 *
 * @module
 */
import {
  DEFAULT_MODULE_METRIC_LIMITS,
  type ModuleLabel,
  moduleMetricName,
  type ModuleMetricRefusal,
  type ModuleMetricsSink,
  type ModuleMetricUpdate,
} from "../telemetry/mod.ts";
import type { Telemetry } from "./worker_protocol.ts";

// Kinds remembered for the module's answers; past this many names only the host judges.
const KNOWN_NAMES = DEFAULT_MODULE_METRIC_LIMITS.maxSeries;

/** A {@linkcode ModuleMetricsSink} that forwards every update to the host. */
export class ForwardedModuleMetrics implements ModuleMetricsSink {
  readonly #send: (t: Telemetry) => void;
  readonly #kinds = new Map<string, "add" | "observe">();

  /** Hands each update to `send`. */
  constructor(send: (t: Telemetry) => void) {
    this.#send = send;
  }

  /** Forwards a counter update. */
  readonly add: ModuleMetricUpdate = (name, value, labels) =>
    this.#forward("add", name, value, labels);

  /** Forwards a histogram observation. */
  readonly observe: ModuleMetricUpdate = (name, value, labels) =>
    this.#forward("observe", name, value, labels);

  #forward(
    t: "add" | "observe",
    name: string,
    value: number,
    labels: readonly ModuleLabel[] | undefined,
  ): ModuleMetricRefusal | undefined {
    // The host refuses and counts these too; the answer here is only the module's.
    this.#send({ t, name, value, ...(labels ? { labels } : {}) });
    if (!Number.isFinite(value) || (t === "add" && value < 0)) return "bad_value";
    const key = moduleMetricName(name);
    const known = this.#kinds.get(key);
    if (known !== undefined) return known === t ? undefined : "kind_conflict";
    if (this.#kinds.size < KNOWN_NAMES) this.#kinds.set(key, t);
    return undefined;
  }
}
