/**
 * `GET /api/endpoints`: every broker connection, up or down, since when, and
 * the last error while down (health gives only the names of those down).
 *
 * @module
 */
import { Hono } from "hono";
import type { RouteDeps } from "../deps.ts";

/** The endpoints route. */
export function endpointRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/endpoints", (c) => c.json({ endpoints: deps.control.endpoints() }));
}
