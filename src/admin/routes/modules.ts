/**
 * `GET /api/modules`: every module in use, with digests and users.
 *
 * @module
 */
import { Hono } from "hono";
import type { RouteDeps } from "../deps.ts";

/** The modules route. */
export function moduleRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/modules", (c) => c.json({ modules: deps.control.modules() }));
}
