/**
 * Moves messages from the durable outbound queue to their destination, in
 * order: peek, send, and acknowledge the queue rows only once the broker has
 * them. When the destination is away, messages wait on disk and the forwarder
 * retries with back-off; they replay in order when it returns.
 *
 * @module
 */
import { parseHlc } from "../base/mod.ts";
import type { OutboundMessage, Sink } from "../connectors/mod.ts";
import type { OutboundQueue, QueuedMessage } from "../store/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import type { QueueRoom } from "./outbound_writer.ts";

/** Options for {@linkcode Forwarder}. */
export interface ForwarderOptions {
  readonly queue: OutboundQueue;
  /** The queue destination key this forwarder drains. */
  readonly destination: string;
  readonly sink: Sink;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Labels of its metrics. */
  readonly labels: Readonly<Record<string, string>>;
  /** Messages per send. @default 250 */
  readonly batch?: number;
  /** Batches in flight at once (their messages within the connection's window). @default 2 */
  readonly pipeline?: number;
  /** Told after messages were acknowledged: writers waiting for room try again. */
  readonly room?: QueueRoom;
}

function toOutbound(m: QueuedMessage): OutboundMessage {
  return { topic: m.topic, payload: m.payload, properties: m.properties };
}

/** Drains one destination of the queue. */
export class Forwarder {
  readonly #o: ForwarderOptions;
  #running = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #failing = false;

  /** Makes a stopped forwarder; call {@linkcode start}. */
  constructor(options: ForwarderOptions) {
    this.#o = options;
  }

  /** Starts the loop. */
  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  /** New messages are in the queue. */
  notify(): void {
    this.#wake?.();
  }

  /** Sends what it can within `flushMs`, then stops. */
  async stop(flushMs = 5000): Promise<void> {
    const deadline = Date.now() + flushMs;
    while (this.#pending() > 0 && !this.#failing && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.#running = false;
    this.notify();
    await this.#loop;
  }

  #pending(): number {
    return this.#o.queue.peek(1, { destination: this.#o.destination }).length;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  #observeLatency(messages: readonly QueuedMessage[]): void {
    const now = Date.now();
    for (const m of messages) {
      const ts = m.properties.userProperties.find(([k]) => k === "__ts")?.[1];
      const t = ts === undefined ? undefined : parseHlc(ts);
      if (t !== undefined && typeof t !== "string") {
        this.#o.metrics.observe(
          "weir_end_to_end_latency_ms",
          Math.max(0, now - t.ms),
          this.#o.labels,
        );
      }
    }
  }

  async #run(): Promise<void> {
    const { queue, log } = this.#o;
    let backoff = 100;
    while (this.#running) {
      const outcome = await this.#drain();
      if (outcome === "empty") {
        await this.#sleep(250);
        continue;
      }
      if (!this.#failing) {
        log.log("warn", "destination unavailable; outputs wait in the queue", {
          error: outcome.error,
          queued: queue.depth(this.#o.destination),
        });
      }
      this.#failing = true;
      await this.#sleep(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  /**
   * Sends the queue's messages, a few batches in flight at once so the
   * destination's window stays full, until the queue is empty or a send
   * fails. Rows leave the queue only once their batch was acknowledged; after
   * a failure the unacknowledged ones are sent again, in order.
   */
  async #drain(): Promise<"empty" | { error: unknown }> {
    const { queue, destination } = this.#o;
    const inFlight: Array<Promise<unknown>> = [];
    let after = 0;
    while (this.#running) {
      while (inFlight.length < (this.#o.pipeline ?? 2)) {
        const messages = queue.peek(this.#o.batch ?? 250, { destination, after });
        if (messages.length === 0) break;
        after = messages.at(-1)!.seq;
        inFlight.push(this.#send(messages));
      }
      if (inFlight.length === 0) return "empty";
      const outcome = await inFlight.shift();
      if (outcome !== true) {
        await Promise.allSettled(inFlight);
        return { error: outcome };
      }
    }
    await Promise.allSettled(inFlight);
    return "empty";
  }

  /** One batch to the destination; true once it is acknowledged and its rows are gone. */
  async #send(messages: readonly QueuedMessage[]): Promise<true | unknown> {
    const { queue, sink, log, metrics, labels } = this.#o;
    try {
      await sink.send(messages.map(toOutbound));
    } catch (error) {
      return error ?? new Error("send failed");
    }
    queue.ack(messages.map((m) => m.seq));
    metrics.add("weir_messages_published_total", messages.length, labels);
    this.#observeLatency(messages);
    if (this.#failing) {
      log.log("info", "destination is back; replaying the queue", {
        queued: queue.depth(this.#o.destination),
      });
      this.#failing = false;
    }
    this.#o.room?.made();
    return true;
  }
}
