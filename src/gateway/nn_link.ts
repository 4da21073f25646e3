/**
 * Decides whether an operation's module may run inference and opens its
 * wasi-nn channel: only when the graph declares the "wasi-nn" feature
 * (`moduleRequirements.features`) and the gateway's switch is on. A module
 * that imports wasi-nn links either way; when it may not, its `load` answers
 * `security` with the reason.
 *
 * @module
 */
import type { OperatorLogic } from "../engine/mod.ts";
import type { GraphDefinition } from "../graph/mod.ts";
import type { NnService } from "../nn/mod.ts";
import type { NnLink, NnPolicy } from "../wasm/mod.ts";

/** wasi-nn for a graph's operations. */
export interface GraphNnOptions {
  /** The inference service; absent when wasi-nn is switched off. */
  readonly service?: NnService;
  /** How the switch is named to the user, e.g. "ml.enabled is false" or "--no-wasi-nn". */
  readonly off?: string;
}

/** The graph's feature name for wasi-nn. */
export const WASI_NN_FEATURE = "wasi-nn";

/** Whether the graph's modules may run inference, and if not, every reason. */
export function nnPolicy(graph: GraphDefinition, nn: GraphNnOptions | undefined): NnPolicy {
  const name = graph.metadata?.name ?? graph.source;
  const reasons: string[] = [];
  if (!graph.features.some((f) => f.name === WASI_NN_FEATURE)) {
    reasons.push(
      `graph "${name}" does not declare the "${WASI_NN_FEATURE}" feature (moduleRequirements.features: [{name: "${WASI_NN_FEATURE}"}])`,
    );
  }
  if (!nn?.service) {
    reasons.push(`wasi-nn is switched off on this gateway (${nn?.off ?? "no inference service"})`);
  }
  if (reasons.length === 0) return { allowed: true };
  const text = reasons.join("; and ");
  return { allowed: false, reason: `Inference is not allowed: ${text}` };
}

/** An operation's wasi-nn link and how to tie its channel to the operator's life. */
export interface OperationNn {
  readonly link?: NnLink;
  /** The operator, closing the channel when it closes. */
  attach(logic: OperatorLogic): OperatorLogic;
  /** Closes the channel (the operator did not start). */
  close(): Promise<void>;
}

/** Opens a channel when the module imports wasi-nn and the policy allows inference. */
export async function openOperationNn(
  graph: GraphDefinition,
  imports: readonly string[],
  nn: GraphNnOptions | undefined,
): Promise<OperationNn> {
  const none: OperationNn = { attach: (logic) => logic, close: () => Promise.resolve() };
  if (!imports.some((i) => i.startsWith("wasi:nn/"))) return none;
  const policy = nnPolicy(graph, nn);
  if (!policy.allowed || !nn?.service) return { ...none, link: { policy } };
  const service = nn.service;
  let channel = await service.openChannel();
  const close = () => service.closeChannel(channel);
  const renew = async () => channel = await service.replaceChannel(channel);
  return {
    link: { policy, channel, renew },
    close,
    attach: (logic) =>
      ({
        ...logic,
        close: async () => {
          try {
            await logic.close?.();
          } finally {
            await close();
          }
        },
      }) as OperatorLogic,
  };
}
