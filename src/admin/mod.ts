/**
 * The admin API and page: a Hono app over the gateway's control surface.
 * `GET /api/health` is open; everything else needs the admin token as
 * `Authorization: Bearer <token>`, or, for the event stream only, a
 * short-lived ticket in the query. The page in `web/` is served at `/`.
 *
 * @example
 * ```ts ignore
 * import { startAdmin } from "./mod.ts";
 *
 * const admin = await startAdmin({ control: gateway.control, dataDir: ".weir", port: 8080 });
 * console.log(`admin page: ${admin.url}`);
 * await admin.stop();
 * ```
 *
 * @module
 */
export { type AdminAppOptions, createAdminApp } from "./app.ts";
export { type AdminServer, isLoopback, startAdmin, type StartAdminOptions } from "./server.ts";
export {
  type AdminToken,
  generateToken,
  loadOrCreateToken,
  TOKEN_FILE_NAME,
} from "./token_file.ts";
export { sameSecret } from "./secret_compare.ts";
export { EventTickets, TICKET_TTL_MS } from "./event_ticket.ts";
export { FailureLimiter, type FailureLimiterOptions } from "./failure_limiter.ts";
export { hidePaths, type PathHider } from "./public_paths.ts";
export { StreamSlots } from "./stream_slots.ts";
export { RateSampler, type RateSamplerOptions } from "./rate_sampler.ts";
export { ApiError, describeError } from "./http_errors.ts";
export { MAX_BODY_BYTES } from "./request_body.ts";
export { DEFAULT_WEB_DIR } from "./static_files.ts";
export type * from "./api_types.ts";
