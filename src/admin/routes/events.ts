/**
 * The live feed: `GET /api/events` (Server-Sent Events, optionally
 * `?kind=log|dead-letter|deploy|state`), and `POST /api/events/ticket`, which
 * trades the bearer token for a short-lived ticket a browser's EventSource
 * can put in the URL. `?kind=tap&dataflow=…&from=…&to=…` streams samples of
 * the records crossing one edge instead, only while the stream is open.
 * Each client address may hold a few streams at once.
 *
 * @module
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { validator } from "hono/validator";
import { defined } from "../../base/mod.ts";
import type { GatewayEvent } from "../../gateway/mod.ts";
import type { TicketResponse } from "../api_types.ts";
import { clientAddress } from "../auth.ts";
import type { RouteDeps } from "../deps.ts";
import { TICKET_TTL_MS } from "../event_ticket.ts";
import { pumpEvents, tapPump } from "../event_stream.ts";
import { ApiError } from "../http_errors.ts";
import { checkedQuery } from "../request_body.ts";
import { EVENTS_QUERY } from "../request_schemas.ts";

/** An events query as its schema lets it through: a tap names its dataflow and edge. */
interface EventsQuery {
  readonly kind?: GatewayEvent["kind"] | "tap";
  readonly dataflow?: string;
  readonly from?: string;
  readonly to?: string;
  readonly perSecond?: number;
}

function tapOf(query: EventsQuery, deps: RouteDeps): ReturnType<typeof tapPump> {
  return tapPump({
    control: deps.control,
    dataflow: query.dataflow!,
    edge: { from: query.from!, to: query.to! },
    ...defined({ perSecond: query.perSecond }),
    signal: deps.signal,
    heartbeatMs: deps.heartbeatMs,
  });
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
    .get("/events", validator("query", (q) => checkedQuery<EventsQuery>(EVENTS_QUERY, q)), (c) => {
      const query = c.req.valid("query");
      const kind = query.kind === "tap" ? undefined : query.kind;
      // The slot is taken before the stream starts, in the same turn as the check.
      const release = deps.streams.take(clientAddress(c));
      if (release === undefined) {
        throw new ApiError(
          "too_many_streams",
          `Too many open event streams from this address (at most ${deps.streams.max}); close one first`,
          { "Retry-After": "5" },
        );
      }
      let tap: ReturnType<typeof tapOf> | undefined;
      try {
        // An unknown dataflow or edge is a plain 404, before any stream starts.
        tap = query.kind === "tap" ? tapOf(query, deps) : undefined;
      } catch (error) {
        release();
        throw error;
      }
      return streamSSE(c, async (stream) => {
        try {
          if (tap !== undefined) return await tap(stream);
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
