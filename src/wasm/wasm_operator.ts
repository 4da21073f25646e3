/**
 * Runs a module in the gateway's own thread (`isolation: none`): the fastest
 * path, for trusted modules. Each operation gets its own instance.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import type { AccumulateGroup, LogicKind, OperatorLogic, Rec } from "../engine/mod.ts";
import type { CompiledModule } from "./compiled_module.ts";
import { hostImports, type HostServices, importServices } from "./host_imports.ts";
import { type OperationInit, startOperatorCore } from "./operator_core.ts";
import { asLogic } from "./outcomes.ts";

/** Options for {@linkcode createWasmOperator}. */
export interface WasmOperatorOptions extends OperationInit {
  readonly services: HostServices;
}

/** Checks that `module` exports the operator an operation needs. */
export function requireOperator(module: CompiledModule, operation: string, kind: LogicKind): void {
  if (!module.info.operators.includes(kind)) {
    throw new WeirError(
      "module_invalid",
      `Operation "${operation}" needs a ${kind} operator, but module "${module.label}" exports only ${
        module.info.operators.join(", ")
      }`,
    );
  }
}

/** Creates an in-thread operator; fails when `init` refuses its configuration. */
export async function createWasmOperator(
  module: CompiledModule,
  options: WasmOperatorOptions,
): Promise<OperatorLogic> {
  requireOperator(module, options.operation, options.kind);
  const core = await startOperatorCore({
    operation: options.operation,
    kind: options.kind,
    properties: options.properties,
    ...(options.schemas ? { schemas: options.schemas } : {}),
    log: options.services.log,
    instantiate: () =>
      module.instantiate(hostImports(module.info.package, importServices(options.services))),
  });
  return asLogic(
    options.kind,
    (items: readonly Rec[] | readonly AccumulateGroup[]) => core.run(items),
    () => {},
  );
}
