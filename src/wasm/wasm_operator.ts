/**
 * Adapts one instance of a module to the engine's batch contract for one
 * operation. Calls are sequential (an instance is single-threaded). A
 * module's `err` result fails that record; a trap fails that record, throws
 * the instance away and starts a fresh one (re-running `init`) before the
 * next record, because a trapped instance cannot be trusted.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import {
  type AccumulateGroup,
  Failure,
  type LogicKind,
  type OperatorLogic,
  type Rec,
} from "../engine/mod.ts";
import type { CompiledModule, ModuleExports } from "./compiled_module.ts";
import { hostImports, type HostServices } from "./host_imports.ts";
import {
  liftDataModel,
  liftHlc,
  lowerDataModel,
  lowerHlc,
  type WitDataModel,
  type WitHlc,
} from "./wit_values.ts";

/** Options for {@linkcode createWasmOperator}. */
export interface WasmOperatorOptions {
  /** The graph operation's name. */
  readonly operation: string;
  readonly kind: LogicKind;
  /** Configuration properties for `init`, in order. */
  readonly properties: ReadonlyArray<readonly [string, string]>;
  readonly services: HostServices;
}

interface OperatorExport {
  init(configuration: unknown): boolean;
  process(...args: unknown[]): unknown;
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

/** Creates the operator for one operation; fails when `init` refuses its configuration. */
export async function createWasmOperator(
  module: CompiledModule,
  options: WasmOperatorOptions,
): Promise<OperatorLogic> {
  const { operation, kind, services } = options;
  if (!module.info.operators.includes(kind)) {
    throw new WeirError(
      "module_invalid",
      `Operation "${operation}" needs a ${kind} operator, but module "${module.label}" exports only ${
        module.info.operators.join(", ")
      }`,
    );
  }
  const configuration = {
    properties: options.properties.map(([k, v]) => [k, v]),
    moduleSchemas: [],
  };
  let restarts = 0;

  const start = async (): Promise<OperatorExport> => {
    const exports: ModuleExports = await module.instantiate(
      hostImports(module.info.package, services),
    );
    const iface = exports[kind] as OperatorExport | undefined;
    if (!iface) {
      throw new WeirError("module_invalid", `Module "${module.label}" has no ${kind} export`);
    }
    let ok: boolean;
    try {
      ok = iface.init(configuration);
    } catch (e) {
      throw new WeirError(
        "module_init_failed",
        `Operation "${operation}": init trapped: ${trapText(e)}`,
      );
    }
    if (ok !== true) {
      throw new WeirError(
        "module_init_failed",
        `Operation "${operation}": init returned false; the module refused its configuration (${
          options.properties.map(([k]) => k).join(", ") || "no parameters"
        })`,
      );
    }
    return iface;
  };

  let iface = await start();

  /** One call: a value, a Failure for a module error, or "trap". */
  const call = (fn: () => unknown): unknown => {
    try {
      return fn();
    } catch (e) {
      const text = moduleErrorText(e);
      if (text !== undefined) return new Failure(text);
      return new Trap(trapText(e));
    }
  };

  const restart = async () => {
    restarts++;
    services.log.log("warn", "module instance replaced after a trap", { restarts });
    iface = await start();
  };

  /** Runs `each` over items; after a trap, replaces the instance and goes on. */
  function run<T, R>(
    items: readonly T[],
    each: (item: T) => R,
  ): (R | Failure)[] | Promise<(R | Failure)[]> {
    const out: (R | Failure)[] = [];
    const loop = (from: number): (R | Failure)[] | Promise<(R | Failure)[]> => {
      for (let i = from; i < items.length; i++) {
        const r = call(() => each(items[i]!));
        if (r instanceof Trap) {
          out.push(new Failure(`Module trapped: ${r.reason}`));
          return restart().then(() => loop(i + 1));
        }
        out.push(r as R | Failure);
      }
      return out;
    };
    return loop(0);
  }

  const close = () => {};
  switch (kind) {
    case "map":
      return {
        kind,
        close,
        process: (batch: readonly Rec[]) =>
          run(batch, (r) => liftDataModel(iface.process(lowerDataModel(r.data)) as WitDataModel)),
      };
    case "filter":
      return {
        kind,
        close,
        process: (batch: readonly Rec[]) =>
          run(batch, (r) => iface.process(lowerDataModel(r.data)) as boolean),
      };
    case "branch":
      return {
        kind,
        close,
        process: (batch: readonly Rec[]) =>
          run(batch, (r) => iface.process(lowerHlc(r.time), lowerDataModel(r.data)) as boolean),
      };
    case "delay":
      return {
        kind,
        close,
        process: (batch: readonly Rec[]) =>
          run(
            batch,
            (r) => liftHlc(iface.process(lowerDataModel(r.data), lowerHlc(r.time)) as WitHlc),
          ),
      };
    case "accumulate":
      return {
        kind,
        close,
        process: (groups: readonly AccumulateGroup[]) =>
          run(groups, (g) =>
            liftDataModel(
              iface.process(lowerDataModel(g.staged), g.inputs.map(lowerDataModel)) as WitDataModel,
            )),
      };
  }
}

/** Marks a call that trapped. */
class Trap {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}
