/**
 * Dataflows: list, one, its stats with rates, and the state changes that take
 * no body (rollback, start, stop). Deploys are in `deploy.ts`.
 *
 * @module
 */
import { Hono } from "hono";
import { WeirError } from "../../base/mod.ts";
import type { DataflowStatus } from "../../gateway/mod.ts";
import type { RouteDeps } from "../deps.ts";

/** The status of a dataflow, or a `not_found` error. */
export function requireDataflow(deps: RouteDeps, name: string): DataflowStatus {
  const status = deps.control.dataflow(name);
  if (status === undefined) throw new WeirError("not_found", `Dataflow "${name}" does not exist`);
  return status;
}

/** The dataflow routes. */
export function dataflowRoutes(deps: RouteDeps): Hono {
  const { control } = deps;
  return new Hono()
    .get("/dataflows", (c) => c.json({ dataflows: control.dataflows() }))
    .get("/dataflows/:name", (c) => c.json(requireDataflow(deps, c.req.param("name"))))
    .get("/dataflows/:name/stats", (c) => {
      return c.json(deps.sampler.sample(requireDataflow(deps, c.req.param("name"))));
    })
    .post(
      "/dataflows/:name/rollback",
      async (c) => c.json(await control.rollback(c.req.param("name"))),
    )
    .post("/dataflows/:name/start", async (c) => {
      const name = c.req.param("name");
      await control.start(name);
      return c.json(requireDataflow(deps, name));
    })
    .post("/dataflows/:name/stop", async (c) => {
      const name = c.req.param("name");
      await control.stop(name);
      return c.json(requireDataflow(deps, name));
    });
}
