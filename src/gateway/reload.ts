/**
 * Applying a re-read configuration to a running gateway (SIGHUP): what
 * changed, dataflow by dataflow, and the least disruptive way to apply it.
 * A changed graph or graph configuration is a hot load, exactly as a deploy
 * (input switches between two batches, nothing lost or doubled); a changed
 * source, destination or timing stops the dataflow and starts it again
 * (unacknowledged messages stay with the broker); settings outside the
 * dataflows need a restart and are only named.
 *
 * @module
 */
import type { DataflowConfig, GatewayConfig } from "../config/mod.ts";
import type { Logger } from "../telemetry/mod.ts";

/** What a reload changed, by dataflow name. */
export interface ReloadSummary {
  /** Started: new in the configuration. */
  readonly added: readonly string[];
  /** Stopped: gone from the configuration. */
  readonly removed: readonly string[];
  /** Graph or graph configuration changed: hot-loaded as a new version, nothing lost. */
  readonly redeployed: readonly string[];
  /** Source, destination or timing changed: stopped and started again. */
  readonly restarted: readonly string[];
  /** Settings a reload does not apply (they need a restart), by top-level key. */
  readonly needsRestart: readonly string[];
  /** Dataflows whose change failed, with why (they keep running as they were). */
  readonly failed: readonly { readonly dataflow: string; readonly error: string }[];
}

/** What a reload may do to the gateway. */
export interface ReloadActions {
  /** Starts a dataflow (on its configuration, or its saved deployment for that configuration). */
  start(name: string, dataflow: DataflowConfig): Promise<void>;
  /** Stops a dataflow and forgets it. */
  stop(name: string): Promise<void>;
  /** Hot-loads the version a changed graph or graph configuration makes. */
  redeploy(name: string, dataflow: DataflowConfig): Promise<unknown>;
  /** Takes the configuration as the current one (later starts use its endpoints). */
  adopt(config: GatewayConfig): void;
  readonly log: Logger;
}

/** Top-level settings a reload leaves as they are. */
const RESTART_ONLY = [
  "endpoints",
  "registries",
  "allowAnyRegistry",
  "dataDir",
  "logging",
  "queue",
  "admin",
  "ml",
] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A dataflow without what a hot load can change. */
function frame(d: DataflowConfig): unknown {
  const { graph: _, configuration: __, ...rest } = d;
  return { ...rest, hasGraph: d.graph !== undefined };
}

/** The endpoints a dataflow uses that a reload cannot change under it. */
function changedEndpoints(
  d: DataflowConfig,
  before: GatewayConfig,
  after: GatewayConfig,
): string[] {
  return [d.source.endpoint, d.destination.endpoint].filter((e) =>
    !same(before.endpoints[e], after.endpoints[e])
  );
}

/** Applies `after` over `before` and says what changed; one line in the log says it too. */
export async function applyReload(
  before: GatewayConfig,
  after: GatewayConfig,
  actions: ReloadActions,
): Promise<ReloadSummary> {
  const summary = {
    added: [] as string[],
    removed: [] as string[],
    redeployed: [] as string[],
    restarted: [] as string[],
    needsRestart: RESTART_ONLY.filter((key) => !same(before[key], after[key])),
    failed: [] as Array<{ dataflow: string; error: string }>,
  };
  // Endpoints stay as they were: dataflows started now use the connections already open.
  actions.adopt({ ...after, endpoints: before.endpoints });
  const attempt = async (name: string, list: string[], work: () => Promise<unknown>) => {
    try {
      await work();
      list.push(name);
    } catch (error) {
      summary.failed.push({
        dataflow: name,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  for (const name of Object.keys(before.dataflows)) {
    if (after.dataflows[name] === undefined) {
      await attempt(name, summary.removed, () => actions.stop(name));
    }
  }
  for (const [name, next] of Object.entries(after.dataflows)) {
    const old = before.dataflows[name];
    if (old !== undefined && same(old, next)) continue;
    const endpoints = changedEndpoints(next, before, after);
    if (endpoints.length > 0) {
      summary.failed.push({
        dataflow: name,
        error: `endpoint "${endpoints[0]}" changed; endpoints change only with a restart`,
      });
      continue;
    }
    if (old === undefined) {
      await attempt(name, summary.added, () => actions.start(name, next));
    } else if (same(frame(old), frame(next)) && next.graph !== undefined) {
      await attempt(name, summary.redeployed, () => actions.redeploy(name, next));
    } else {
      await attempt(name, summary.restarted, async () => {
        await actions.stop(name);
        await actions.start(name, next);
      });
    }
  }
  const changed = summary.added.length + summary.removed.length + summary.redeployed.length +
    summary.restarted.length;
  actions.log.log(
    summary.failed.length > 0 ? "warn" : "info",
    changed === 0 && summary.failed.length === 0
      ? "configuration reloaded; nothing changed in the dataflows"
      : "configuration reloaded",
    { ...summary, from: after.source },
  );
  return summary;
}
