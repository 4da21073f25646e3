/**
 * Authentication of API requests: `Authorization: Bearer <token>`, or, on the
 * event stream only, a `ticket` query parameter (see `event_ticket.ts`).
 * Failed attempts count against the client's address; past the limit every
 * request from it gets 429 with `Retry-After` without being checked.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../telemetry/mod.ts";
import type { EventTickets } from "./event_ticket.ts";
import type { FailureLimiter } from "./failure_limiter.ts";
import { ApiError } from "./http_errors.ts";
import { sameSecret } from "./secret_compare.ts";

/** What {@linkcode requireAuth} checks against. */
export interface AuthOptions {
  readonly token: string;
  readonly limiter: FailureLimiter;
  readonly tickets: EventTickets;
  readonly log: Logger;
}

/** The paths that accept a `?ticket=` instead of a bearer token. */
const TICKET_PATHS = new Set(["/api/events"]);

/** The client's address, as Deno.serve reports it; "local" for in-process requests. */
export function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "local";
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer +([^\s]+) *$/i.exec(header ?? "");
  return m?.[1];
}

async function presentedIsValid(c: Context, options: AuthOptions): Promise<boolean | undefined> {
  const token = bearer(c.req.header("Authorization"));
  if (token !== undefined) return await sameSecret(token, options.token);
  const ticket = c.req.method === "GET" && TICKET_PATHS.has(c.req.path)
    ? c.req.query("ticket")
    : undefined;
  if (ticket !== undefined) return await options.tickets.verify(ticket);
  return undefined;
}

/** Middleware: lets a request through only with a valid credential. */
export function requireAuth(options: AuthOptions): MiddlewareHandler {
  return async (c, next) => {
    const client = clientAddress(c);
    const wait = options.limiter.retryAfterSeconds(client);
    if (wait > 0) {
      throw new ApiError(
        429,
        "rate_limited",
        `Too many failed sign-in attempts from this address; try again in ${wait} s`,
        { "Retry-After": String(wait) },
      );
    }
    const valid = await presentedIsValid(c, options);
    if (valid === undefined) {
      throw new ApiError(401, "unauthorized", "Sign in: send Authorization: Bearer <admin token>", {
        "WWW-Authenticate": 'Bearer realm="weir"',
      });
    }
    if (!valid) {
      options.limiter.fail(client);
      options.log.log("warn", "admin authentication failed", { client, path: c.req.path });
      throw new ApiError(401, "unauthorized", "The admin token is not valid", {
        "WWW-Authenticate": 'Bearer realm="weir", error="invalid_token"',
      });
    }
    options.limiter.succeed(client);
    await next();
  };
}
