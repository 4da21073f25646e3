/**
 * One live instance of a module acting as one graph operation: calls `init`
 * with the operation's configuration, then runs items through `process`.
 * A module's `err` result fails that item; a trap fails that item, throws the
 * instance away and starts a fresh one (re-running `init`) before the next
 * item, because a trapped instance cannot be trusted. The same core runs
 * in-thread and inside an isolation worker.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import { type AccumulateGroup, Failure, type LogicKind, type Rec } from "../engine/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { ModuleExports } from "./compiled_module.ts";
import {
  liftDataModel,
  liftHlc,
  lowerDataModel,
  lowerHlc,
  type WitDataModel,
  type WitHlc,
} from "./wit_values.ts";

/** A schema a module receives at `init` (WIT `module-schema`). */
export interface ModuleSchema {
  readonly name: string;
  readonly contentType: string;
  readonly content: string;
}

/** What a core answers per item: a data-model value, a boolean, an HLC, or a Failure. */
export type Outcome =
  | ReturnType<typeof liftDataModel>
  | boolean
  | ReturnType<typeof liftHlc>
  | Failure;

/** One graph operation a module runs as: which operator, and what its `init` gets. */
export interface OperationInit {
  /** The graph operation's name. */
  readonly operation: string;
  readonly kind: LogicKind;
  /** Configuration properties for `init`, in order. */
  readonly properties: ReadonlyArray<readonly [string, string]>;
  /** Schemas handed to `init` (`module-schemas`). */
  readonly schemas?: readonly ModuleSchema[];
}

/** Options for {@linkcode startOperatorCore}. */
export interface OperatorCoreOptions extends OperationInit {
  readonly log: Logger;
  /** Makes a fresh, uninitialised instance. */
  instantiate(): Promise<ModuleExports>;
}

/** A running operator instance. */
export interface OperatorCore {
  readonly kind: LogicKind;
  /** Processes items in order; `progress(i)` is told before item i starts. */
  run(
    items: readonly Rec[] | readonly AccumulateGroup[],
    progress?: (i: number) => void,
  ): Outcome[] | Promise<Outcome[]>;
  /** How many times a trap replaced the instance. */
  readonly restarts: number;
}

interface OperatorExport {
  init(configuration: unknown): boolean;
  process(...args: unknown[]): unknown;
}

class Trap {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

function moduleErrorText(e: unknown): string | undefined {
  if (e instanceof Error) return undefined;
  const payload = (e as { payload?: unknown })?.payload ?? e;
  const message = (payload as { message?: unknown })?.message;
  return typeof message === "string" ? message : undefined;
}

function trapText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Calls one item through the export for `kind`. */
function callerFor(kind: LogicKind): (iface: OperatorExport, item: unknown) => Outcome {
  switch (kind) {
    case "map":
      return (f, r) => liftDataModel(f.process(lowerDataModel((r as Rec).data)) as WitDataModel);
    case "filter":
      return (f, r) => f.process(lowerDataModel((r as Rec).data)) as boolean;
    case "branch":
      return (f, r) =>
        f.process(lowerHlc((r as Rec).time), lowerDataModel((r as Rec).data)) as boolean;
    case "delay":
      return (f, r) =>
        liftHlc(f.process(lowerDataModel((r as Rec).data), lowerHlc((r as Rec).time)) as WitHlc);
    case "accumulate":
      return (f, g) => {
        const group = g as AccumulateGroup;
        return liftDataModel(
          f.process(lowerDataModel(group.staged), group.inputs.map(lowerDataModel)) as WitDataModel,
        );
      };
  }
}

/** Instantiates and initialises; fails when `init` refuses its configuration. */
export async function startOperatorCore(options: OperatorCoreOptions): Promise<OperatorCore> {
  const { operation, kind } = options;
  const configuration = {
    properties: options.properties.map(([k, v]) => [k, v]),
    moduleSchemas: (options.schemas ?? []).map((s) => ({
      name: s.name,
      contentType: s.contentType,
      content: s.content,
    })),
  };
  const start = async (): Promise<OperatorExport> => {
    const exports = await options.instantiate();
    const iface = exports[kind] as OperatorExport | undefined;
    if (!iface) {
      throw new WeirError(
        "module_invalid",
        `Operation "${operation}": the module has no ${kind} export`,
      );
    }
    let ok: unknown;
    try {
      ok = iface.init(configuration);
    } catch (e) {
      throw new WeirError(
        "module_init_failed",
        `Operation "${operation}": init trapped: ${trapText(e)}`,
      );
    }
    if (ok !== true) {
      const names = options.properties.map(([k]) => k).join(", ") || "no parameters";
      throw new WeirError(
        "module_init_failed",
        `Operation "${operation}": init returned false; the module refused its configuration (${names})`,
      );
    }
    return iface;
  };

  let iface = await start();
  const call = callerFor(kind);
  let restarts = 0;

  const once = (item: unknown): Outcome | Trap => {
    try {
      return call(iface, item);
    } catch (e) {
      const text = moduleErrorText(e);
      return text === undefined ? new Trap(trapText(e)) : new Failure(text);
    }
  };

  return {
    kind,
    get restarts() {
      return restarts;
    },
    run(items, progress) {
      const out: Outcome[] = [];
      const loop = (from: number): Outcome[] | Promise<Outcome[]> => {
        for (let i = from; i < items.length; i++) {
          progress?.(i);
          const r = once(items[i]);
          if (r instanceof Trap) {
            out.push(new Failure(`Module trapped: ${r.reason}`));
            restarts++;
            options.log.log("warn", "module instance replaced after a trap", {
              restarts,
              reason: r.reason,
            });
            return start().then((fresh) => {
              iface = fresh;
              return loop(i + 1);
            });
          }
          out.push(r);
        }
        return out;
      };
      return loop(0);
    },
  };
}
