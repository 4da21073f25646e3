/**
 * The gateway's live feed: logs, dead letters, deploys and state changes,
 * kept in a bounded ring per kind (so a page that connects late still sees
 * the recent past) and pushed to subscribers as they happen.
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import type { LogFields, Logger, LogLevel } from "../telemetry/mod.ts";
import type { GatewayEvent } from "./control.ts";

const KINDS: readonly GatewayEvent["kind"][] = ["log", "dead-letter", "deploy", "state"];

/** A bounded, subscribable event feed. */
export class EventHub {
  readonly #rings = new Map<GatewayEvent["kind"], GatewayEvent[]>(KINDS.map((k) => [k, []]));
  readonly #listeners = new Set<(event: GatewayEvent) => void>();
  readonly #capacity: number;

  /** Keeps the last `capacity` events of each kind. */
  constructor(capacity = 200) {
    this.#capacity = capacity;
  }

  /** Records an event and tells every subscriber. */
  emit(kind: GatewayEvent["kind"], data: Record<string, unknown>, dataflow?: string): void {
    const event: GatewayEvent = {
      kind,
      ts: new Date().toISOString(),
      ...defined({ dataflow }),
      data,
    };
    const ring = this.#rings.get(kind)!;
    ring.push(event);
    if (ring.length > this.#capacity) ring.splice(0, ring.length - this.#capacity);
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken subscriber must not break the gateway.
      }
    }
  }

  /** Recent events, oldest first. */
  recent(kind?: GatewayEvent["kind"], limit = this.#capacity): GatewayEvent[] {
    const events = kind
      ? [...this.#rings.get(kind)!]
      : [...this.#rings.values()].flat().sort((a, b) => a.ts.localeCompare(b.ts));
    return events.slice(-limit);
  }

  /** Live events until the returned function is called. */
  subscribe(listener: (event: GatewayEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A logger that writes through `log` and also feeds the hub (info and above). */
  logger(log: Logger, scope: LogFields = {}): Logger {
    const level = (l: LogLevel) => l !== "debug";
    const emit = (kind: GatewayEvent["kind"], data: Record<string, unknown>, dataflow?: string) =>
      this.emit(kind, data, dataflow);
    return {
      log: (l, message, fields = {}) => {
        log.log(l, message, fields);
        if (!level(l)) return;
        const all = { ...scope, ...fields };
        const dataflow = typeof all.dataflow === "string" ? all.dataflow : undefined;
        emit("log", { level: l, msg: message, ...all }, dataflow);
      },
      child: (fields) => this.logger(log.child(fields), { ...scope, ...fields }),
    };
  }
}
