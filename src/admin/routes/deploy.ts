/**
 * Deploys: a new graph (`POST …/deploy`) or new configuration values for the
 * current graph (`PUT …/configuration`). Both answer with the result when the
 * new version serves; with `?stream=1` they answer at once with Server-Sent
 * Events instead: `progress` per phase, then `result` or `error`.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { DeployProgress, DeployRequest } from "../../gateway/mod.ts";
import type { RouteDeps } from "../deps.ts";
import { describeError } from "../http_errors.ts";
import { parseConfigurationBody, parseDeployBody, readJsonObject } from "../request_body.ts";
import { requireDataflow } from "./dataflows.ts";

function wantsStream(c: Context): boolean {
  const stream = c.req.query("stream");
  return stream === "1" || stream === "true";
}

async function deploy(deps: RouteDeps, c: Context, request: DeployRequest): Promise<Response> {
  const name = c.req.param("name")!;
  // Unknown names fail as plain JSON, before any stream starts.
  requireDataflow(deps, name);
  if (!wantsStream(c)) return c.json(await deps.control.deploy(name, request));
  return streamSSE(c, async (stream) => {
    // One chain, so progress written from the callback stays ahead of the outcome.
    let writes = Promise.resolve();
    const write = (event: string, data: unknown) => {
      writes = writes.then(() => stream.writeSSE({ event, data: JSON.stringify(data) }));
      return writes;
    };
    const onProgress = (p: DeployProgress) => void write("progress", p);
    try {
      const result = await deps.control.deploy(name, request, onProgress);
      await write("result", result);
    } catch (error) {
      const { status, body } = describeError(error, deps.hidePaths);
      if (status >= 500) deps.log.log("error", "admin deploy failed", { dataflow: name, error });
      await write("error", { status, ...body });
    }
  });
}

/** The deploy routes. */
export function deployRoutes(deps: RouteDeps): Hono {
  return new Hono()
    .post("/dataflows/:name/deploy", async (c) => {
      return await deploy(deps, c, parseDeployBody(await readJsonObject(c)));
    })
    .put("/dataflows/:name/configuration", async (c) => {
      const configuration = parseConfigurationBody(await readJsonObject(c));
      return await deploy(deps, c, { configuration });
    });
}
