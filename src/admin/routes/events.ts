/**
 * The live feed: `GET /api/events` (Server-Sent Events, optionally
 * `?kind=log|dead-letter|deploy|state`), and `POST /api/events/ticket`, which
 * trades the bearer token for a short-lived ticket a browser's EventSource
 * can put in the URL. Each client address may hold a few streams at once.
 *
 * @module
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { defined, WeirError } from "../../base/mod.ts";
import type { GatewayEvent } from "../../gateway/mod.ts";
import type { TicketResponse } from "../api_types.ts";
import { clientAddress } from "../auth.ts";
import type { RouteDeps } from "../deps.ts";
import { TICKET_TTL_MS } from "../event_ticket.ts";
import { EVENT_KINDS, pumpEvents } from "../event_stream.ts";
import { ApiError } from "../http_errors.ts";

function parseKind(kind: string | undefined): GatewayEvent["kind"] | undefined {
  if (kind === undefined || kind === "") return undefined;
  if ((EVENT_KINDS as readonly string[]).includes(kind)) return kind as GatewayEvent["kind"];
  throw new WeirError(
    "usage",
    `Query "kind" is ${JSON.stringify(kind)}; expected one of ${EVENT_KINDS.join(", ")}`,
  );
}

/** The event routes. */
export function eventRoutes(deps: RouteDeps): Hono {
  return new Hono()
    .post("/events/ticket", async (c) => {
      const body: TicketResponse = {
        ticket: await deps.tickets.issue(),
        expiresInSeconds: TICKET_TTL_MS / 1000,
      };
      return c.json(body);
    })
    .get("/events", (c) => {
      const kind = parseKind(c.req.query("kind"));
      // The slot is taken before the stream starts, in the same turn as the check.
      const release = deps.streams.take(clientAddress(c));
      if (release === undefined) {
        throw new ApiError(
          "too_many_streams",
          `Too many open event streams from this address (at most ${deps.streams.max}); close one first`,
          { "Retry-After": "5" },
        );
      }
      return streamSSE(c, async (stream) => {
        try {
          await pumpEvents(stream, {
            control: deps.control,
            ...defined({ kind }),
            signal: deps.signal,
            heartbeatMs: deps.heartbeatMs,
            hidePaths: deps.hidePaths,
          });
        } finally {
          release();
        }
      });
    });
}
