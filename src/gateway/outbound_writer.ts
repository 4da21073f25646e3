/**
 * The one way into the outbound queue for a dataflow: results, dead letters
 * and late records all go through {@linkcode OutboundWriter.write}, under the
 * same bounds and policies. With `reject-new` a full queue makes the writer
 * wait until a forwarder made room (the back-pressure that slows the
 * source); dead letters have their own budget and never wait. A message that
 * can never fit is not an error of the flow: it becomes a dead letter without
 * its payload, counted, and the flow goes on.
 *
 * @module
 */
import { QueueFullError, type QueueMessage } from "../store/mod.ts";
import type { OutboundQueue } from "../store/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";

/** Tells writers waiting for room that a forwarder acknowledged messages. */
export class QueueRoom {
  #waiters: Array<() => void> = [];

  /** Room was made. */
  made(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when room is made, or after `ms` (room may also come from expiry). */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      waiters.push(done);
    });
  }
}

/** Options for {@linkcode OutboundWriter}. */
export interface OutboundWriterOptions {
  readonly queue: OutboundQueue;
  readonly room: QueueRoom;
  /** Called after messages were appended (wakes the forwarder). */
  readonly appended: () => void;
  /** The dead letter an output that can never fit becomes (payload left out). */
  readonly tooLarge: (message: QueueMessage, error: QueueFullError) => QueueMessage;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly labels: Readonly<Record<string, string>>;
}

/** Writes one dataflow's messages into the shared queue. */
export class OutboundWriter {
  readonly #o: OutboundWriterOptions;
  #stopped = false;

  /** A writer over the shared queue. */
  constructor(options: OutboundWriterOptions) {
    this.#o = options;
  }

  /**
   * Appends messages in order. Synchronous (undefined) when they fit at once;
   * a promise while a `reject-new` queue is full.
   */
  write(messages: readonly QueueMessage[]): Promise<void> | undefined {
    if (messages.length === 0) return undefined;
    try {
      this.#o.queue.append(messages);
      this.#o.appended();
      return undefined;
    } catch (error) {
      if (!(error instanceof QueueFullError)) throw error;
      if (error.reason === "too-large") return this.#oneByOne(messages);
      return this.#waitForRoom(messages);
    }
  }

  /** Stops waiting for room (the dataflow is stopping); pending writes reject. */
  stop(): void {
    this.#stopped = true;
    this.#o.room.made();
  }

  async #waitForRoom(messages: readonly QueueMessage[]): Promise<void> {
    for (;;) {
      await this.#room();
      try {
        this.#o.queue.append(messages);
        this.#o.appended();
        return;
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
        if (error.reason === "too-large") return await this.#oneByOne(messages);
      }
    }
  }

  /** Appends each message on its own, so one that never fits costs only itself. */
  async #oneByOne(messages: readonly QueueMessage[]): Promise<void> {
    for (const message of messages) await this.#appendOne(message);
  }

  /** One message; if it never fits, the payload-less dead letter that says so instead. */
  async #appendOne(message: QueueMessage): Promise<void> {
    let next = message;
    for (let stubbed = false;;) {
      try {
        this.#o.queue.append([next]);
        this.#o.appended();
        return;
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
        if (error.reason === "full") {
          await this.#room();
          continue;
        }
        if (stubbed) throw error; // cannot happen: a stub is a few hundred bytes
        this.#o.metrics.add("weir_queue_too_large_total", 1, this.#o.labels);
        this.#o.log.log("warn", "message larger than its queue budget; kept without payload", {
          bytes: error.needed,
          budget: error.available,
          deadLetter: message.deadLetter === true,
        });
        next = this.#o.tooLarge(message, error);
        stubbed = true;
      }
    }
  }

  async #room(): Promise<void> {
    if (this.#stopped) throw new Error("Outbound writer stopped while waiting for room");
    await this.#o.room.wait(1000);
  }
}
