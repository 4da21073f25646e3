/**
 * Errors to HTTP responses: a `WeirError`'s code gives the status (from the
 * one table in base, `ERROR_OUTCOMES`), every error body is
 * `{error: {code, message}}` (naming no absolute path), and anything
 * unexpected is logged and answered with a plain 500.
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { httpStatusOf, WeirError, type WeirErrorCode } from "../base/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { ApiErrorBody } from "./api_types.ts";
import type { PathHider } from "./public_paths.ts";

/** An error of the API itself (auth, limits, bad bodies), with extra response headers. */
export class ApiError extends WeirError {
  /** Extra response headers, such as `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;

  /** An error answered with its code's status and `{error: {code, message}}`. */
  constructor(code: WeirErrorCode, message: string, headers: Record<string, string> = {}) {
    super(code, message);
    this.name = "ApiError";
    this.headers = headers;
  }
}

/** The JSON error body. */
export function errorBody(code: string, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/**
 * The status and body for an error raised while answering a request. Messages
 * of the gateway's errors pass through `hide`, so they name no absolute path.
 */
export function describeError(
  error: unknown,
  hide: PathHider = (text) => text,
): { status: ContentfulStatusCode; body: ApiErrorBody; headers: Record<string, string> } {
  if (error instanceof WeirError) {
    return {
      status: httpStatusOf(error) as ContentfulStatusCode,
      // The API's own messages name routes, not files: they are shown as written.
      body: errorBody(error.code, error instanceof ApiError ? error.message : hide(error.message)),
      headers: error instanceof ApiError ? { ...error.headers } : {},
    };
  }
  if (error instanceof HTTPException) {
    const code = error.status === 413 ? "too_large" : "bad_request";
    const message = error.status === 413 ? "Request body is too large" : error.message;
    return {
      status: error.status as ContentfulStatusCode,
      body: errorBody(code, message),
      headers: {},
    };
  }
  return {
    status: 500,
    body: errorBody("internal", "Internal error; see the gateway log"),
    headers: {},
  };
}

/** An `app.onError` handler that answers with {@linkcode describeError} and logs 500s. */
export function onApiError(
  log: Logger,
  hide?: PathHider,
): (error: Error, c: Context) => Response {
  return (error, c) => {
    const { status, body, headers } = describeError(error, hide);
    if (status >= 500) {
      log.log("error", "admin request failed", {
        method: c.req.method,
        path: c.req.path,
        error,
      });
    }
    return c.json(body, status, headers);
  };
}
