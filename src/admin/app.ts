/**
 * The admin application: the REST API under `/api` and the page in `web/` at
 * `/`, as one Hono app. It holds no state of the gateway's; every change goes
 * through {@linkcode GatewayControl}.
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { GatewayControl } from "../gateway/mod.ts";
import { type Logger, silentLogger } from "../telemetry/mod.ts";
import { requireAuth } from "./auth.ts";
import type { RouteDeps } from "./deps.ts";
import { EventTickets } from "./event_ticket.ts";
import { FailureLimiter, type FailureLimiterOptions } from "./failure_limiter.ts";
import { ApiError, errorBody, onApiError } from "./http_errors.ts";
import { hidePaths } from "./public_paths.ts";
import { RateSampler } from "./rate_sampler.ts";
import { MAX_BODY_BYTES } from "./request_body.ts";
import { dataflowRoutes } from "./routes/dataflows.ts";
import { deadLetterRoutes } from "./routes/dead_letters.ts";
import { endpointRoutes } from "./routes/endpoints.ts";
import { deployRoutes } from "./routes/deploy.ts";
import { eventRoutes } from "./routes/events.ts";
import { healthRoutes } from "./routes/health.ts";
import { moduleRoutes } from "./routes/modules.ts";
import { DEFAULT_WEB_DIR, securityHeaders, vendorFiles, webFiles } from "./static_files.ts";
import { StreamSlots } from "./stream_slots.ts";

/** Options for {@linkcode createAdminApp}. */
export interface AdminAppOptions {
  /** The running gateway's control surface; every change goes through it. */
  readonly control: GatewayControl;
  /** The admin token every API call but health must present. */
  readonly token: string;
  /** Where failures (500s, refused tokens) are logged. @default silentLogger */
  readonly log?: Logger;
  /** The page's files. @default the repository's `web/` */
  readonly webDir?: string;
  /** Bounds of failed authentication per client address. @default 5 answered 401 per minute */
  readonly failures?: FailureLimiterOptions;
  /** Aborts open event streams (the server is stopping). */
  readonly signal?: AbortSignal;
  /** Quiet time before an event stream sends a keep-alive comment. @default 15000 */
  readonly heartbeatMs?: number;
  /** The clock for tickets, rate limits and stats. @default Date.now */
  readonly now?: () => number;
  /** Open event streams per client address; one more gets 429. @default 4 */
  readonly maxStreamsPerClient?: number;
  /** The data directory: paths under it are shown relative to it, others by file name. */
  readonly dataDir?: string;
}

/** Builds the admin app; serve it with `Deno.serve(…, app.fetch)` or use `app.request()`. */
export function createAdminApp(options: AdminAppOptions): Hono {
  const log = options.log ?? silentLogger;
  const now = options.now ?? Date.now;
  const tickets = new EventTickets(options.token, now);
  const deps: RouteDeps = {
    control: options.control,
    log,
    tickets,
    sampler: new RateSampler({ now }),
    signal: options.signal ?? new AbortController().signal,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    streams: new StreamSlots(options.maxStreamsPerClient ?? 4),
    hidePaths: hidePaths(options.dataDir),
  };
  const limiter = new FailureLimiter({ now, ...options.failures });
  const api = new Hono()
    .use(async (c, next) => {
      await next();
      c.header("Cache-Control", "no-store");
    })
    .use(bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError("too_large", `Request body is larger than ${MAX_BODY_BYTES} bytes`);
      },
    }))
    .route("/", healthRoutes(deps))
    .use(requireAuth({ token: options.token, limiter, tickets, log }))
    .route("/", dataflowRoutes(deps))
    .route("/", deployRoutes(deps))
    .route("/", moduleRoutes(deps))
    .route("/", deadLetterRoutes(deps))
    .route("/", endpointRoutes(deps))
    .route("/", eventRoutes(deps))
    .all("*", (c) => {
      throw new ApiError("not_found", `No API route ${c.req.method} ${c.req.path}`);
    });
  const app = new Hono()
    .use(securityHeaders())
    .route("/api", api)
    .route("/vendor", vendorFiles())
    .use(webFiles(options.webDir ?? DEFAULT_WEB_DIR));
  app.notFound((c) => c.json(errorBody("not_found", `Nothing at ${c.req.path}`), 404));
  app.onError(onApiError(log, deps.hidePaths));
  return app;
}
