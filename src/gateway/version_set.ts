/**
 * The versions of one dataflow's graph: the one serving, and old ones still
 * finishing what they took before a switch. An old version is told that time
 * moved on (so its windows close), and is released the moment it has nothing
 * left (see {@linkcode GraphRuntime.whenDrained}), not on a poll.
 *
 * @module
 */
import type { Hlc } from "../base/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { EventHub } from "./event_hub.ts";
import type { GraphRuntime } from "./graph_runtime.ts";

/** Options for {@linkcode VersionSet}. */
export interface VersionSetOptions {
  readonly dataflow: string;
  readonly log: Logger;
  readonly events?: EventHub;
}

/** Serving and draining versions of a dataflow. */
export class VersionSet {
  #serving: GraphRuntime | undefined;
  readonly #draining = new Set<GraphRuntime>();
  readonly #o: VersionSetOptions;

  /** A set serving `initial` (none for a plain bridge). */
  constructor(initial: GraphRuntime | undefined, options: VersionSetOptions) {
    this.#serving = initial;
    this.#o = options;
  }

  /** The version new input goes to. */
  get serving(): GraphRuntime | undefined {
    return this.#serving;
  }

  /** How many old versions are still finishing. */
  get draining(): number {
    return this.#draining.size;
  }

  /** Serves `next` from now on; the old version drains and is then released. */
  replace(next: GraphRuntime): void {
    const old = this.#serving;
    this.#serving = next;
    if (!old || old === next) return;
    this.#draining.add(old);
    old.whenDrained().then(() => this.#release(old));
  }

  /** Input moved on to `time`: draining versions will get nothing earlier. */
  advance(time: Hlc): void {
    for (const old of this.#draining) old.advanceTo(time);
  }

  /** Stops every version at once (their unacknowledged input comes back from the broker). */
  async stopAll(): Promise<void> {
    const all = [this.#serving, ...this.#draining];
    this.#draining.clear();
    await Promise.allSettled(all.map((v) => v?.stop()));
  }

  #release(old: GraphRuntime): void {
    if (!this.#draining.delete(old)) return; // stopped meanwhile
    old.stop().catch(() => {});
    this.#o.log.log("info", "old graph version released", { version: old.spec.id });
    this.#o.events?.emit("state", { version: old.spec.id, state: "released" }, this.#o.dataflow);
  }
}
