/**
 * `GET /api/health`: whether the gateway answers, without authentication, for
 * load balancers and service checks: counts, and the names of endpoints down
 * and dataflows failed (no addresses, no errors: those need the token).
 *
 * @module
 */
import { Hono } from "hono";
import type { HealthResponse } from "../api_types.ts";
import type { RouteDeps } from "../deps.ts";

/** The health route. */
export function healthRoutes(deps: RouteDeps): Hono {
  return new Hono().get("/health", (c) => {
    const dataflows = deps.control.dataflows();
    const endpointsDown = deps.control.endpoints().filter((e) => !e.up).map((e) => e.name);
    const dataflowsFailed = dataflows.filter((d) => d.state === "failed").map((d) => d.name);
    const body: HealthResponse = {
      status: endpointsDown.length === 0 && dataflowsFailed.length === 0 ? "ok" : "degraded",
      dataflows: dataflows.length,
      endpointsDown,
      dataflowsFailed,
    };
    return c.json(body);
  });
}
