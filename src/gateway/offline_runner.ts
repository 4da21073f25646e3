/**
 * Runs a graph over a finite list of records with no broker and no wall
 * clock: the module author's test bench. Time comes only from the records;
 * the end of input closes every window; the same input gives the same output.
 *
 * @module
 */
import { defined } from "../base/mod.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Dataflow,
  ManualClock,
  type OperationStats,
  type Rec,
  type SideOutputs,
} from "../engine/mod.ts";
import type { GraphDefinition } from "../graph/mod.ts";
import { type Logger, Metrics } from "../telemetry/mod.ts";
import { type ModuleSchema, type StateQuota, StateStore } from "../wasm/mod.ts";
import { graphOperators } from "./graph_operators.ts";
import { type NnLimits, NnService } from "../nn/mod.ts";

/** Options for {@linkcode runOffline}. */
export interface OfflineRunOptions {
  readonly graph: GraphDefinition;
  /** Modules resolve as `<modulesDir>/<name>.wasm`. */
  readonly modulesDir: string;
  /** The graph node's flat configuration key/values. */
  readonly config: ReadonlyMap<string, string>;
  /** Where transpiled bindings are cached. */
  readonly cacheDir?: string;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** Receives every sink record in emission order. */
  onOutput(record: Rec): void;
  readonly side: SideOutputs;
  /** Records per push. @default 256 */
  readonly batchSize?: number;
  /** "worker": each operation in its own permission-less worker; "none": in-thread. @default "worker" */
  readonly isolation?: "worker" | "none";
  /** An isolated module's own time per item, in ms (waiting on inference not counted). @default 1000 */
  readonly deadlineMs?: number;
  /** Schemas every operation's `init` receives as `module-schemas`. */
  readonly schemas?: readonly ModuleSchema[];
  /** State store contents to start from, shaped like AIO's statestore.json. */
  readonly state?: ReadonlyArray<Record<string, string>>;
  /** The state store's bounds. @default DEFAULT_STATE_QUOTA (64 MiB, 100,000 keys) */
  readonly stateQuota?: Partial<StateQuota>;
  /** Models for wasi-nn `load-by-name`: name → file path. */
  readonly models?: Readonly<Record<string, string>>;
  /** Whether modules may run inference (`--no-wasi-nn` turns it off). @default true */
  readonly wasiNn?: boolean;
  /** wasi-nn bounds; the defaults are DEFAULT_NN_LIMITS. */
  readonly nnLimits?: Partial<NnLimits>;
}

/** Runs the graph over `input`; resolves with per-operation counters once every sink has everything. */
export async function runOffline(
  options: OfflineRunOptions,
  input: Iterable<Rec> | AsyncIterable<Rec>,
): Promise<Record<string, OperationStats>> {
  // A private state file for this run, shared by the graph's operators.
  const stateDir = await mkdtemp(join(tmpdir(), "weir-state-"));
  const statePath = join(stateDir, "state.db");
  const store = new StateStore(
    statePath,
    options.stateQuota === undefined ? {} : { quota: options.stateQuota },
  );
  try {
    store.seed(options.state ?? []);
    return await runWithStore(options, input, store, statePath);
  } finally {
    store.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function runWithStore(
  options: OfflineRunOptions,
  input: Iterable<Rec> | AsyncIterable<Rec>,
  store: StateStore,
  statePath: string,
): Promise<Record<string, OperationStats>> {
  const { graph } = options;
  // Started only if a module opens a wasi-nn channel; closed with the run.
  using nn = offlineNn(options);
  const logic = await graphOperators(graph, {
    modulesDir: options.modulesDir,
    config: options.config,
    ...defined({ cacheDir: options.cacheDir }),
    log: options.log,
    metrics: options.metrics ?? new Metrics(),
    schemas: options.schemas ?? [],
    stateStore: store,
    statePath,
    isolation: options.isolation ?? "worker",
    deadlineMs: options.deadlineMs ?? 1000,
    nn: nn.service ? { service: nn.service } : { off: "--no-wasi-nn" },
  });
  const flow = await Dataflow.start(graph, {
    logic,
    sink: () => ({
      write: (batch) => {
        for (const r of batch) options.onOutput(r);
      },
    }),
    side: options.side,
    // Never advanced: only the records' own times and the end of input move frontiers.
    clock: new ManualClock(),
    // Same input, same output: merges must not depend on how fast each arm ran.
    orderedMerge: true,
  });
  const size = options.batchSize ?? 256;
  let batch: Rec[] = [];
  try {
    for await (const r of input) {
      batch.push(r);
      if (batch.length >= size) {
        await flow.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await flow.push(batch);
    await flow.close();
  } catch (error) {
    await flow.stop();
    throw error;
  }
  return flow.stats();
}

function offlineNn(options: OfflineRunOptions): { service?: NnService } & Disposable {
  if (options.wasiNn === false) return { [Symbol.dispose]: () => {} };
  const service = new NnService({
    models: options.models ?? {},
    ...(options.nnLimits ? { limits: options.nnLimits } : {}),
    log: options.log,
  });
  return { service, [Symbol.dispose]: () => service.close() };
}
