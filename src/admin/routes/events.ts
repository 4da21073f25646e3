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
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { defined, WeirError } from "../../base/mod.ts";
import type { GatewayEvent } from "../../gateway/mod.ts";
import type { TicketResponse } from "../api_types.ts";
import { clientAddress } from "../auth.ts";
import type { RouteDeps } from "../deps.ts";
import { TICKET_TTL_MS } from "../event_ticket.ts";
import { EVENT_KINDS, pumpEvents, tapPump } from "../event_stream.ts";
import { ApiError } from "../http_errors.ts";

function parseKind(kind: string | undefined): GatewayEvent["kind"] | "tap" | undefined {
  if (kind === undefined || kind === "") return undefined;
  if (kind === "tap") return "tap";
  if ((EVENT_KINDS as readonly string[]).includes(kind)) return kind as GatewayEvent["kind"];
  throw new WeirError(
    "usage",
    `Query "kind" is ${JSON.stringify(kind)}; expected one of ${EVENT_KINDS.join(", ")}, tap`,
  );
}

function tapOf(c: Context, deps: RouteDeps): ReturnType<typeof tapPump> {
  const [dataflow, from, to] = ["dataflow", "from", "to"].map((k) => c.req.query(k));
  if (!dataflow || !from || !to) {
    throw new WeirError("usage", 'A tap needs "dataflow", "from" and "to" in the query');
  }
  const rate = c.req.query("perSecond");
  const perSecond = rate === undefined ? undefined : Number(rate);
  if (perSecond !== undefined && !(perSecond > 0 && perSecond <= 50)) {
    throw new WeirError("usage", `Query "perSecond" is ${JSON.stringify(rate)}; expected 0 to 50`);
  }
  return tapPump({
    control: deps.control,
    dataflow,
    edge: { from, to },
    ...(perSecond === undefined ? {} : { perSecond }),
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
    .get("/events", (c) => {
      const parsed = parseKind(c.req.query("kind"));
      const kind = parsed === "tap" ? undefined : parsed;
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
        tap = parsed === "tap" ? tapOf(c, deps) : undefined;
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
