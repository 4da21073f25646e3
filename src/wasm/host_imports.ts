/**
 * The host side of the operator world for one operation: logger and metrics
 * into Weir's telemetry, tagged with graph and operation; the `buffer`
 * resource; sandboxed WASI 0.2 (wasi.ts) with sockets, http and files denied
 * (wasi_denied.ts); wasi-nn (see wasi_nn.ts); and clean errors from the
 * services not yet backed (command invoker, schema registry). Module metrics
 * reach the gateway's registry only through their own namespace (telemetry's
 * module_metrics.ts); the state store answers a full quota with
 * `request-error` and a log line.
 *
 * @module
 */
import type {
  Labels,
  Logger,
  LogLevel,
  Metrics,
  ModuleLabel,
  ModuleMetricRefusal,
  ModuleMetricsSink,
} from "../telemetry/mod.ts";
import { moduleMetrics } from "../telemetry/mod.ts";
import { HostBuffer } from "./host_buffer.ts";
import type { AbiPackage } from "./module_check.ts";
import {
  FencingError,
  type SetCondition,
  type StateStore,
  StateStoreQuotaError,
} from "./state_store.ts";
import { sandboxedWasi } from "./wasi.ts";
import { deniedWasi } from "./wasi_denied.ts";
import type { HostWait } from "./progress_slots.ts";
import { type NnLink, wasiNnImports } from "./wasi_nn.ts";
import { liftHlc, lowerHlc, type WitHlc } from "./wit_values.ts";

/** What a module instance may reach. */
export interface HostServices {
  /** Scoped to the graph and operation. */
  readonly log: Logger;
  /** The gateway's registry; modules write only their own namespace of it. */
  readonly metrics: Metrics;
  /** The host's labels on every module metric (graph, operation); modules cannot change them. */
  readonly labels: Labels;
  /** The graph's state store; modules get a clean error without one. */
  readonly stateStore?: StateStore;
  /** wasi-nn access; without it `load` answers `security`. */
  readonly nn?: NnLink;
}

/** What {@linkcode hostImports} wires: the services, with the module's metrics scoped. */
export interface ImportServices {
  readonly log: Logger;
  readonly moduleMetrics: ModuleMetricsSink;
  readonly stateStore?: StateStore;
  readonly nn?: NnLink;
  /** Times the module's blocking host calls, so its deadline does not count them. */
  readonly hostWait?: HostWait;
}

/** The import services of an in-thread instance: metrics straight into the namespace. */
export function importServices(services: HostServices): ImportServices {
  return {
    log: services.log,
    moduleMetrics: moduleMetrics(services.metrics, services.labels),
    ...(services.stateStore ? { stateStore: services.stateStore } : {}),
    ...(services.nn ? { nn: services.nn } : {}),
  };
}

const LEVELS: Record<string, LogLevel> = {
  trace: "debug",
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
  critical: "error",
};

type Variant = { tag: string; val: unknown };

/**
 * The module's answer: a name already used as another kind, or a value a counter cannot take,
 * is `incompatible-type`; other refusals (series limit, sizes) are dropped and counted only,
 * as OpenTelemetry SDKs do past their cardinality limits.
 */
function metricsAnswer(
  name: string,
  refusal: ModuleMetricRefusal | undefined,
): { tag: "ok"; val: undefined } | { tag: "err"; val: Variant } {
  if (refusal === "kind_conflict") {
    return {
      tag: "err",
      val: { tag: "incompatible-type", val: `Metric "${name}" is already another kind` },
    };
  }
  if (refusal === "bad_value") {
    return {
      tag: "err",
      val: { tag: "incompatible-type", val: `Metric "${name}" cannot take this value` },
    };
  }
  return { tag: "ok", val: undefined };
}

/** The import object for a module of `pkg`, keyed as jco asks (no versions). */
export function hostImports(
  pkg: AbiPackage,
  services: ImportServices,
): Record<string, Record<string, unknown>> {
  const { log, moduleMetrics: metrics } = services;
  const unavailable = (what: string) => () => ({
    tag: "err",
    val: { tag: "request-error", val: `${what} is not configured on this gateway` },
  });
  const imports: Record<string, Record<string, unknown>> = {
    ...deniedWasi(),
    ...sandboxedWasi((stream, text) =>
      log.log(stream === "stderr" ? "warn" : "info", text, { stream })
    ),
    ...wasiNnImports(services.nn, services.hostWait),
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
      addToCounter: (name: string, value: Variant, list?: ModuleLabel[]) =>
        metricsAnswer(name, metrics.add(name, Number(value.val), list)),
      recordToHistogram: (name: string, value: Variant, list?: ModuleLabel[]) =>
        metricsAnswer(name, metrics.observe(name, Number(value.val), list)),
    },
    [`${pkg}/state-store`]: services.stateStore ? stateStoreImports(services.stateStore, log) : {
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

type StoreAnswer<T> = { tag: "ok"; val: T } | { tag: "err"; val: Variant };

// A module that keeps writing past its quota would otherwise log on every call.
const QUOTA_LOG_EVERY_MS = 60_000;

/** The WIT state-store functions over a {@linkcode StateStore}. */
function stateStoreImports(store: StateStore, log: Logger): Record<string, unknown> {
  let quotaLogged = -Infinity;
  const storeCall = <T>(fn: () => T): StoreAnswer<T> => {
    try {
      return { tag: "ok", val: fn() };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (error instanceof StateStoreQuotaError && Date.now() - quotaLogged >= QUOTA_LOG_EVERY_MS) {
        quotaLogged = Date.now();
        log.log("warn", "state store quota exceeded", { error: text });
      }
      const tag = error instanceof FencingError || error instanceof StateStoreQuotaError
        ? "request-error"
        : "internal";
      return { tag: "err", val: { tag, val: text } };
    }
  };
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
