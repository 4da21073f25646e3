/**
 * What the route handlers share: the gateway's control and the admin
 * server's own helpers.
 *
 * @module
 */
import type { GatewayControl } from "../gateway/mod.ts";
import type { Logger } from "../telemetry/mod.ts";
import type { EventTickets } from "./event_ticket.ts";
import type { PathHider } from "./public_paths.ts";
import type { RateSampler } from "./rate_sampler.ts";
import type { StreamSlots } from "./stream_slots.ts";

/** The dependencies of the route handlers. */
export interface RouteDeps {
  readonly control: GatewayControl;
  readonly log: Logger;
  readonly tickets: EventTickets;
  readonly sampler: RateSampler;
  /** Aborts when the server stops, ending open streams. */
  readonly signal: AbortSignal;
  /** Quiet time before an event stream sends a keep-alive comment. */
  readonly heartbeatMs: number;
  /** Open event streams per client address. */
  readonly streams: StreamSlots;
  /** Rewrites absolute paths in what the API sends. */
  readonly hidePaths: PathHider;
}
