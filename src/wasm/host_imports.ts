/**
 * The host side of the operator world for one operation: logger and metrics
 * into Weir's telemetry, tagged with graph and operation; the `buffer`
 * resource; and clean errors from the services not yet backed (state store,
 * command invoker, schema registry).
 *
 * @module
 */
import type { Logger, LogLevel, Metrics } from "../telemetry/mod.ts";
import { HostBuffer } from "./host_buffer.ts";
import type { AbiPackage } from "./module_check.ts";
import { sandboxedWasi } from "./wasi.ts";

/** What a module instance may reach. */
export interface HostServices {
  /** Scoped to the graph and operation. */
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Labels added to every module metric (graph, operation). */
  readonly labels: Readonly<Record<string, string>>;
}

const LEVELS: Record<string, LogLevel> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
  critical: "error",
};

type Label = { key: string; value: string };
type Variant = { tag: string; val: unknown };

function labelsOf(list: Label[] | undefined, base: Readonly<Record<string, string>>) {
  const out: Record<string, string> = { ...base };
  for (const l of list ?? []) out[l.key] = l.value;
  return out;
}

function metricsError(error: unknown): { tag: "err"; val: Variant } {
  const text = error instanceof Error ? error.message : String(error);
  return { tag: "err", val: { tag: "incompatible-type", val: text } };
}

/** The import object for a module of `pkg`, keyed as jco asks (no versions). */
export function hostImports(
  pkg: AbiPackage,
  services: HostServices,
): Record<string, Record<string, unknown>> {
  const { log, metrics, labels } = services;
  const unavailable = (what: string) => () => ({
    tag: "err",
    val: { tag: "request-error", val: `${what} is not configured on this gateway` },
  });
  const imports: Record<string, Record<string, unknown>> = {
    ...sandboxedWasi((stream, text) =>
      log.log(stream === "stderr" ? "warn" : "info", text, { stream })
    ),
    [`${pkg}/types`]: { Buffer: HostBuffer },
    [`${pkg}/hybrid-logical-clock`]: {},
    [`${pkg}/state-store-types`]: {},
    [`${pkg}/rpc-types`]: {},
    [`${pkg}/schema-types`]: {},
    [`${pkg}/logger`]: {
      log: (level: string, context: string, message: string) =>
        log.log(LEVELS[level] ?? "info", message, { context, moduleLevel: level }),
    },
    [`${pkg}/metrics`]: {
      addToCounter: (name: string, value: Variant, list?: Label[]) => {
        try {
          metrics.add(name, Number(value.val), labelsOf(list, labels));
          return { tag: "ok", val: undefined };
        } catch (error) {
          return metricsError(error);
        }
      },
      recordToHistogram: (name: string, value: Variant, list?: Label[]) => {
        try {
          metrics.observe(name, Number(value.val), labelsOf(list, labels));
          return { tag: "ok", val: undefined };
        } catch (error) {
          return metricsError(error);
        }
      },
    },
    [`${pkg}/state-store`]: {
      get: unavailable("The state store"),
      set: unavailable("The state store"),
      del: unavailable("The state store"),
      vdel: unavailable("The state store"),
    },
    [`${pkg}/command-invoker`]: {
      newInvoker: () => ({ tag: "err", val: { tag: "configuration-invalid" } }),
      CommandRequest: class {},
      CommandRequestBuilder: class {},
      CommandInvokerOptions: class {},
      CommandInvokerOptionsBuilder: class {},
      CommandInvoker: class {},
    },
    [`${pkg}/schema-registry`]: {
      get: () => ({ tag: "err", val: { tag: "not-available" } }),
    },
  };
  return imports;
}
