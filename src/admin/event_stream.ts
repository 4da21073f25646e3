/**
 * Sends the gateway's events as Server-Sent Events: first the recent ring,
 * then a `live` marker, then each new event as it happens. A slow reader
 * loses the oldest unsent events rather than growing memory, and is told how
 * many. Comment lines keep idle connections open through proxies.
 *
 * @module
 */
import type { SSEStreamingApi } from "hono/streaming";
import type { GatewayControl, GatewayEvent, TapSample } from "../gateway/mod.ts";

/** Wakes a pump waiting for something to send; a quiet wait ends after a heartbeat. */
class Wakeup {
  #wake: (() => void) | undefined;

  /** Wakes the waiting pump, if one waits. */
  readonly nudge = (): void => {
    this.#wake?.();
    this.#wake = undefined;
  };

  /** Waits for a nudge; after `heartbeatMs` of quiet, writes a keep-alive comment instead. */
  async idle(stream: SSEStreamingApi, heartbeatMs = 15_000): Promise<void> {
    const quiet = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), heartbeatMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
    if (quiet) await stream.write(": keep-alive\n\n");
  }
}

/** Options for {@linkcode pumpTap}. */
export interface PumpTapOptions {
  readonly control: GatewayControl;
  readonly dataflow: string;
  readonly edge: { readonly from: string; readonly to: string };
  /** Samples a second at most. @default 4 */
  readonly perSecond?: number;
  readonly signal?: AbortSignal;
  /** A comment line after this much quiet. @default 15000 */
  readonly heartbeatMs?: number;
}

/**
 * Starts watching an edge (throwing at once for an unknown one) and returns
 * the pump that writes each sample as a `tap` event until the client leaves.
 */
export function tapPump(options: PumpTapOptions): (stream: SSEStreamingApi) => Promise<void> {
  const pending: TapSample[] = [];
  const wakeup = new Wakeup();
  const nudge = wakeup.nudge;
  const stop = options.control.tap(options.dataflow, options.edge, (sample) => {
    // A reader that falls behind sees the newest samples; the rate limit keeps this small.
    if (pending.push(sample) > 100) pending.shift();
    nudge();
  }, options.perSecond === undefined ? {} : { perSecond: options.perSecond });
  return async (stream) => {
    stream.onAbort(nudge);
    options.signal?.addEventListener("abort", nudge, { once: true });
    try {
      await stream.writeSSE({ event: "live", data: JSON.stringify({ tap: options.edge }) });
      while (!stream.aborted && !stream.closed && !options.signal?.aborted) {
        const next = pending.shift();
        if (next !== undefined) {
          await stream.writeSSE({ event: "tap", data: JSON.stringify(next) });
          continue;
        }
        await wakeup.idle(stream, options.heartbeatMs);
      }
    } finally {
      stop();
      options.signal?.removeEventListener("abort", nudge);
    }
  };
}

/** Options for {@linkcode pumpEvents}. */
export interface PumpEventsOptions {
  readonly control: GatewayControl;
  /** Only events of this kind. */
  readonly kind?: GatewayEvent["kind"];
  /** Ends the stream (the server is stopping). */
  readonly signal?: AbortSignal;
  /** A comment line after this much quiet. @default 15000 */
  readonly heartbeatMs?: number;
  /** Unsent live events kept for a slow reader. @default 1000 */
  readonly maxPending?: number;
  /** Rewrites each event's JSON before it is sent (absolute paths out). @default as is */
  readonly hidePaths?: (json: string) => string;
}

/** Writes events to `stream` until the client leaves or `signal` aborts. */
export async function pumpEvents(
  stream: SSEStreamingApi,
  options: PumpEventsOptions,
): Promise<void> {
  const { control, kind, signal } = options;
  const maxPending = options.maxPending ?? 1000;
  const pending: GatewayEvent[] = [];
  let dropped = 0;
  const wakeup = new Wakeup();
  const nudge = wakeup.nudge;
  // Read the ring and subscribe in the same turn, so no event falls between them.
  const recent = control.recentEvents(kind);
  const unsubscribe = control.subscribe((event) => {
    if (kind !== undefined && event.kind !== kind) return;
    pending.push(event);
    if (pending.length > maxPending) {
      pending.shift();
      dropped++;
    }
    nudge();
  });
  stream.onAbort(nudge);
  signal?.addEventListener("abort", nudge, { once: true });
  let id = 0;
  const hide = options.hidePaths ?? ((json: string) => json);
  const send = (event: GatewayEvent) =>
    stream.writeSSE({ event: event.kind, id: String(++id), data: hide(JSON.stringify(event)) });
  try {
    for (const event of recent) await send(event);
    await stream.writeSSE({
      event: "live",
      data: JSON.stringify({ recent: recent.length }),
      retry: 3000,
    });
    while (!stream.aborted && !stream.closed && !signal?.aborted) {
      if (dropped > 0) {
        await stream.writeSSE({ event: "dropped", data: JSON.stringify({ count: dropped }) });
        dropped = 0;
      }
      const next = pending.shift();
      if (next !== undefined) {
        await send(next);
        continue;
      }
      await wakeup.idle(stream, options.heartbeatMs);
    }
  } finally {
    unsubscribe();
    signal?.removeEventListener("abort", nudge);
  }
}
