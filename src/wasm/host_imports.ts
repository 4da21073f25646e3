/**
 * The host side of the operator world for one operation: logger and metrics
 * into Weir's telemetry, tagged with graph and operation; the `buffer`
 * resource; sandboxed WASI 0.2 (wasi.ts) with sockets, http and files denied
 * (wasi_denied.ts); wasi-nn (see wasi_nn.ts); and clean errors from the
 * services not yet backed (command invoker, schema registry).
 *
 * @module
 */
import type { Logger, LogLevel, Metrics } from "../telemetry/mod.ts";
import { HostBuffer } from "./host_buffer.ts";
import type { AbiPackage } from "./module_check.ts";
import { FencingError, type SetCondition, type StateStore } from "./state_store.ts";
import { sandboxedWasi } from "./wasi.ts";
import { deniedWasi } from "./wasi_denied.ts";
import { type NnLink, wasiNnImports } from "./wasi_nn.ts";
import { liftHlc, lowerHlc, type WitHlc } from "./wit_values.ts";

/** What a module instance may reach. */
export interface HostServices {
  /** Scoped to the graph and operation. */
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Labels added to every module metric (graph, operation). */
  readonly labels: Readonly<Record<string, string>>;
  /** The graph's state store; modules get a clean error without one. */
  readonly stateStore?: StateStore;
  /** wasi-nn access; without it `load` answers `security`. */
  readonly nn?: NnLink;
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
    ...deniedWasi(),
    ...sandboxedWasi((stream, text) =>
      log.log(stream === "stderr" ? "warn" : "info", text, { stream })
    ),
    ...wasiNnImports(services.nn),
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
    [`${pkg}/state-store`]: services.stateStore ? stateStoreImports(services.stateStore) : {
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

type Duration = { seconds: bigint; nanos: number };

function storeCall<T>(fn: () => T): { tag: "ok"; val: T } | { tag: "err"; val: Variant } {
  try {
    return { tag: "ok", val: fn() };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return {
      tag: "err",
      val: { tag: error instanceof FencingError ? "request-error" : "internal", val: text },
    };
  }
}

/** The WIT state-store functions over a {@linkcode StateStore}. */
function stateStoreImports(store: StateStore): Record<string, unknown> {
  const token = (t: WitHlc | undefined) => (t ? liftHlc(t) : undefined);
  return {
    get: (key: Uint8Array) =>
      storeCall(() => {
        const r = store.get(key);
        return { response: r.value, version: r.version ? lowerHlc(r.version) : undefined };
      }),
    set: (
      key: Uint8Array,
      value: Uint8Array,
      _timeout: Duration | undefined,
      fencingToken: WitHlc | undefined,
      options: { conditions: SetCondition; expires?: Duration },
    ) =>
      storeCall(() => {
        const fence = token(fencingToken);
        const r = store.set(key, value, {
          condition: options.conditions,
          ...(options.expires
            ? { expiresMs: Number(options.expires.seconds) * 1000 + options.expires.nanos / 1e6 }
            : {}),
          ...(fence ? { fencingToken: fence } : {}),
        });
        return { response: r.written, version: r.version ? lowerHlc(r.version) : undefined };
      }),
    del: (key: Uint8Array, fencingToken: WitHlc | undefined) =>
      storeCall(() => ({
        response: BigInt(store.del(key, token(fencingToken))),
        version: undefined,
      })),
    vdel: (key: Uint8Array, value: Uint8Array, fencingToken: WitHlc | undefined) =>
      storeCall(() => ({
        response: BigInt(store.vdel(key, value, token(fencingToken))),
        version: undefined,
      })),
  };
}
