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
import deploySchema from "../schemas/deploy.schema.json" with { type: "json" };
import { WeirError } from "../../base/mod.ts";
import {
  type DeployProgress,
  type DeployRequest,
  graphReferenceProblem,
} from "../../gateway/mod.ts";
import type { RouteDeps } from "../deps.ts";
import { describeError } from "../http_errors.ts";
import { jsonBody } from "../request_body.ts";
import { CONFIGURATION_BODY, DEPLOY_BODY } from "../request_schemas.ts";
import { requestSentence } from "../request_wording.ts";
import { requireDataflow } from "./dataflows.ts";

type Values = Readonly<Record<string, string | number | boolean>> | null;

/** A deploy body as its schema lets it through. */
interface DeployBody {
  readonly ref?: string;
  readonly yaml?: string;
  readonly configuration?: Values;
  readonly watchSeconds?: number;
}

/** Configuration values as the gateway keeps them: text. */
function valuesOf(values: Values): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, String(v)]));
}

/** The request a checked body makes; the reference itself is the OCI parser's to judge. */
function deployRequest(body: DeployBody): DeployRequest {
  const { ref, yaml, configuration, watchSeconds } = body;
  const problem = ref === undefined ? undefined : graphReferenceProblem(ref);
  if (problem !== undefined) {
    const expected = `${deploySchema.properties.ref.title}: ${problem}`;
    const finding = { path: ["ref"], rule: "reference", message: problem, value: ref, expected };
    throw new WeirError("usage", requestSentence(finding, "body"));
  }
  return {
    ...(ref === undefined ? {} : { ref }),
    ...(yaml === undefined ? {} : { yaml }),
    ...(configuration === undefined ? {} : { configuration: valuesOf(configuration) }),
    ...(watchSeconds === undefined ? {} : { watchSeconds }),
  };
}

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
    .post("/dataflows/:name/deploy", jsonBody<DeployBody>(DEPLOY_BODY), async (c) => {
      return await deploy(deps, c, deployRequest(c.req.valid("json")));
    })
    .put(
      "/dataflows/:name/configuration",
      jsonBody<{ configuration: Values }>(CONFIGURATION_BODY),
      async (c) => {
        const configuration = valuesOf(c.req.valid("json").configuration);
        return await deploy(deps, c, { configuration });
      },
    );
}
