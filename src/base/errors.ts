/**
 * Weir's error type: one class with a stable string code, so callers, the
 * admin API and the CLI branch on `code` instead of parsing messages or
 * testing classes. Areas subclass it only to carry more data (the issues of
 * a configuration, the reason of a registry failure); what a code means to an
 * HTTP client or a shell comes from one table, {@linkcode ERROR_OUTCOMES}.
 *
 * @module
 */

/** What each code means outside: the HTTP status the admin API answers, the CLI's exit code. */
export const ERROR_OUTCOMES = {
  // A request or an input the caller can fix.
  "usage": { http: 400, exit: 2 },
  "bad_request": { http: 400, exit: 2 },
  "graph_invalid": { http: 400, exit: 1 },
  "config_invalid": { http: 400, exit: 1 },
  "module_invalid": { http: 400, exit: 1 },
  "module_init_failed": { http: 422, exit: 1 },
  "not_found": { http: 404, exit: 1 },
  "conflict": { http: 409, exit: 1 },
  "too_large": { http: 413, exit: 1 },
  "unauthorized": { http: 401, exit: 1 },
  "rate_limited": { http: 429, exit: 1 },
  "too_many_streams": { http: 429, exit: 1 },
  "port_in_use": { http: 500, exit: 1 },
  // Something the gateway depends on failed or refused.
  "registry": { http: 502, exit: 1 },
  // A running gateway (or another service the command line talks to) did not answer.
  "unreachable": { http: 502, exit: 1 },
  "graph_io": { http: 500, exit: 1 },
  "config_io": { http: 500, exit: 1 },
  "connector_unknown": { http: 400, exit: 1 },
  "connector_duplicate": { http: 500, exit: 1 },
  "connector_config": { http: 400, exit: 1 },
  "connector_refused": { http: 502, exit: 1 },
  "connector_rejected": { http: 400, exit: 1 },
  "connector_closed": { http: 503, exit: 1 },
  "queue_full": { http: 503, exit: 1 },
  // Inside the engine and its modules.
  "engine_closed": { http: 503, exit: 1 },
  "operator_failed": { http: 500, exit: 1 },
  "module_exit": { http: 500, exit: 1 },
  "fencing": { http: 409, exit: 1 },
  "quota_exceeded": { http: 507, exit: 1 },
  "metric_kind": { http: 500, exit: 1 },
  "internal": { http: 500, exit: 1 },
} as const satisfies Record<string, { readonly http: number; readonly exit: number }>;

/** Stable, readable error codes. */
export type WeirErrorCode = keyof typeof ERROR_OUTCOMES;

/** Options for {@linkcode WeirError}. */
export interface WeirErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
}

/** An error Weir raises on purpose, with a code callers may branch on. */
export class WeirError extends Error {
  /** The stable code of this error. */
  readonly code: WeirErrorCode;

  /** Creates an error with a code and a sentence-case message without a trailing period. */
  constructor(code: WeirErrorCode, message: string, options: WeirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WeirError";
    this.code = code;
  }
}

/** The HTTP status for an error: its code's, or 500 for anything that is not a WeirError. */
export function httpStatusOf(error: unknown): number {
  return error instanceof WeirError ? ERROR_OUTCOMES[error.code].http : 500;
}

/** The CLI exit code for an error: its code's, or 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof WeirError ? ERROR_OUTCOMES[error.code].exit : 1;
}

/**
 * A listener's "address in use" as a one-line error naming the port and the
 * setting that changes it; any other error is returned unchanged.
 */
export function listenError(
  error: unknown,
  listener: {
    readonly what: string;
    readonly host: string;
    readonly port: number;
    readonly fix: string;
  },
): unknown {
  if (!(error instanceof Error) || error.name !== "AddrInUse") return error;
  return new WeirError(
    "port_in_use",
    `${listener.what} port ${listener.port} on ${listener.host} is in use; choose another with ${listener.fix}`,
    { cause: error },
  );
}
