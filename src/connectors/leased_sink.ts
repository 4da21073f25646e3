/**
 * What the sinks of every connector share: a lease on the endpoint's
 * connection (released by `close`), `send` refused once closed, and `write`
 * as encode-then-send with refused records reported (see encode_batch.ts).
 * A connector's sink says only how a record is encoded and how messages go
 * out.
 *
 * @module
 */
import type { Rec } from "../engine/mod.ts";
import type { OutboundMessage, Sink } from "./contract.ts";
import { encodeBatch, type RejectOptions } from "./encode_batch.ts";
import { ConnectorError } from "./errors.ts";
import type { Lease } from "./pool.ts";

/** How a sink's refusals and closed state are worded. */
export interface SinkWording {
  /** "Kafka sink", "MQTT sink", … */
  readonly name: string;
  /** The counter of refused records. */
  readonly rejectedMetric: string;
  /** The log line for a refused record when no `onReject` is given. */
  readonly rejectedLine: string;
}

/** A sink on a leased connection of an endpoint named `name`. */
export abstract class LeasedSink<C extends { readonly name: string }> implements Sink {
  readonly #lease: Lease<C>;
  readonly #reject: RejectOptions;
  readonly #wording: SinkWording;
  #closed = false;

  /** Holds `lease` until `close`. */
  constructor(lease: Lease<C>, reject: RejectOptions, wording: SinkWording) {
    this.#lease = lease;
    this.#reject = reject;
    this.#wording = wording;
  }

  /** The connection this sink uses. */
  get connection(): C {
    return this.#lease.value;
  }

  abstract encode(record: Rec, id?: string): OutboundMessage;

  /** Sends on the open connection; `send` has checked the sink is not closed. */
  protected abstract deliver(connection: C, messages: readonly OutboundMessage[]): Promise<void>;

  send(messages: readonly OutboundMessage[]): Promise<void> {
    if (this.#closed) {
      return Promise.reject(
        new ConnectorError("connector_closed", `${this.#wording.name} is closed`),
      );
    }
    return this.deliver(this.#lease.value, messages);
  }

  async write(batch: readonly Rec[]): Promise<void> {
    const messages = encodeBatch(batch, (r, id) => this.encode(r, id), this.#reject, {
      metric: this.#wording.rejectedMetric,
      endpoint: this.#lease.value.name,
      logLine: this.#wording.rejectedLine,
    });
    if (messages.length > 0) await this.send(messages);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lease.release();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
