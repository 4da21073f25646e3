/**
 * The one mapping from errors to HTTP responses: a `WeirError` code becomes a
 * status, every error body is `{error: {code, message}}` (naming no absolute
 * path), and anything unexpected is logged and answered with a plain 500.
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { WeirError, type WeirErrorCode } from "../base/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { ApiErrorBody } from "./api_types.ts";
import type { PathHider } from "./public_paths.ts";

/** HTTP status per `WeirError` code; codes not listed are 500. */
export const STATUS_BY_CODE: Readonly<Partial<Record<WeirErrorCode, ContentfulStatusCode>>> = {
  "not_found": 404,
  "conflict": 409,
  "graph_invalid": 400,
  "module_invalid": 400,
  "usage": 400,
  "module_init_failed": 422,
  // The registry failed or refused us: the gateway is fine, its upstream is not.
  "registry": 502,
};

/** An error the API answers with a chosen status and code (auth, limits, bad bodies). */
export class ApiError extends Error {
  /** The HTTP status. */
  readonly status: ContentfulStatusCode;
  /** The `error.code` of the body. */
  readonly code: string;
  /** Extra response headers, such as `Retry-After`. */
  readonly headers: Readonly<Record<string, string>>;

  /** An error answered with `status` and `{error: {code, message}}`. */
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
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
  if (error instanceof ApiError) {
    return {
      status: error.status,
      body: errorBody(error.code, error.message),
      headers: { ...error.headers },
    };
  }
  if (error instanceof WeirError) {
    return {
      status: STATUS_BY_CODE[error.code] ?? 500,
      body: errorBody(error.code, hide(error.message)),
      headers: {},
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
