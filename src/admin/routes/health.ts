/**
 * `GET /api/health`: whether the gateway answers, without authentication, for
 * load balancers and service checks. It tells nothing beyond a count.
 *
 * @module
 */
import { Hono } from "hono";
import type { HealthResponse } from "../api_types.ts";
import type { RouteDeps } from "../deps.ts";

/** The health route. */
export function healthRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/health", (c) => {
    const body: HealthResponse = { status: "ok", dataflows: deps.control.dataflows().length };
    return c.json(body);
  });
}
