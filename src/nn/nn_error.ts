/**
 * wasi-nn error codes (`wasi:nn/errors.error-code`) and the error that carries
 * one across threads to the module, with a detail text for `error.data()`.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";

/** The WIT `error-code` cases, in WIT order (the wire sends the index). */
export const NN_ERROR_CODES = [
  "invalid-argument",
  "invalid-encoding",
  "timeout",
  "runtime-error",
  "unsupported-operation",
  "too-large",
  "not-found",
  "security",
  "unknown",
] as const;

/** One wasi-nn error code, spelled as the WIT enum. */
export type NnErrorCode = typeof NN_ERROR_CODES[number];

/** A wasi-nn failure: `nnCode` for `error.code()`, the message for `error.data()`. */
export class NnError extends WeirError {
  /** The wasi-nn error code the module sees. */
  readonly nnCode: NnErrorCode;

  /** Makes an error with a wasi-nn code and a sentence-case detail text. */
  constructor(nnCode: NnErrorCode, message: string, options: { cause?: unknown } = {}) {
    super("operator_failed", message, options);
    this.name = "NnError";
    this.nnCode = nnCode;
  }
}

/** Any thrown value as an {@linkcode NnError} (unexpected ones become `runtime-error`). */
export function asNnError(error: unknown): NnError {
  if (error instanceof NnError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new NnError("runtime-error", text, { cause: error });
}
