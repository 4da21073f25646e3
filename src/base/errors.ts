/**
 * Weir's error type: one class with a stable string code, so callers and the
 * admin API can branch on `code` instead of parsing messages.
 *
 * @module
 */

/** Stable, readable error codes. */
export type WeirErrorCode =
  | "graph_invalid"
  | "graph_io"
  | "engine_closed"
  | "operator_failed"
  | "module_invalid"
  | "module_init_failed"
  | "usage"
  | "not_found"
  | "conflict"
  | "registry"
  /** A running gateway (or another service the command line talks to) did not answer. */
  | "unreachable";

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
