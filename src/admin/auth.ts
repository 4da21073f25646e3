/**
 * Authentication of API requests: `Authorization: Bearer <token>`, or, on the
 * event stream only, a `ticket` query parameter (see `event_ticket.ts`).
 * The credential is checked first, so a correct one always gets through;
 * a wrong one counts against its source (the socket's address, never a
 * header a client can write), and past the limit is answered 429 with
 * `Retry-After` instead of 401.
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

/**
 * The client's address, as Deno.serve reports it from the socket; "local" for
 * in-process requests. Behind a reverse proxy every client shares the proxy's
 * address, which is safe: sharing it slows wrong tokens, never a right one.
 */
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
    const valid = await presentedIsValid(c, options);
    if (valid === undefined) {
      throw new ApiError("unauthorized", "Sign in: send Authorization: Bearer <admin token>", {
        "WWW-Authenticate": 'Bearer realm="weir"',
      });
    }
    if (valid) {
      await next();
      return;
    }
    // Counted and judged in one synchronous call: no await between the check and the record.
    const client = clientAddress(c);
    const wait = options.limiter.fail(client);
    if (wait > 0) {
      throw new ApiError(
        "rate_limited",
        `Too many failed sign-in attempts from this address; try again in ${wait} s`,
        { "Retry-After": String(wait) },
      );
    }
    options.log.log("warn", "admin authentication failed", { client, path: c.req.path });
    throw new ApiError("unauthorized", "The admin token is not valid", {
      "WWW-Authenticate": 'Bearer realm="weir", error="invalid_token"',
    });
  };
}
