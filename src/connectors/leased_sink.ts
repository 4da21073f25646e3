/**
 * What every sink shares: it holds a lease on its endpoint's connection
 * until `close`, and writes a batch by encoding each record in order. A
 * record that cannot be sent as is (a `ConnectorError` from the encoder) is
 * counted and handed to `onReject` (the gateway dead-letters it) or logged,
 * instead of failing the records around it.
 *
 * @module
 */
import type { Rec } from "../engine/mod.ts";
import type { OutboundMessage, Sink } from "./contract.ts";
import { ConnectorError } from "./errors.ts";
import type { CommonSinkOptions } from "./factories.ts";
import type { Lease } from "./pool.ts";

/** How a sink counts and logs the records it refused. */
export interface Rejection {
  /** The counter, e.g. `weir_mqtt_sink_rejected_total`, labelled with the endpoint. */
  readonly metric: string;
  /** The log line when no `onReject` takes the record, e.g. `record not published`. */
  readonly message: string;
}

/** A sink on a leased connection: `write` and `close` written once for every connector. */
export abstract class LeasedSink<C extends { readonly name: string }> implements Sink {
  readonly #lease: Lease<C>;
  readonly #options: CommonSinkOptions;
  readonly #rejection: Rejection;
  #closed = false;

  /** Takes the lease (released by `close`) and how refused records are counted. */
  protected constructor(lease: Lease<C>, options: CommonSinkOptions, rejection: Rejection) {
    this.#lease = lease;
    this.#options = options;
    this.#rejection = rejection;
  }

  /** The connection this sink uses. */
  get connection(): C {
    return this.#lease.value;
  }

  /** True once `close` was called: `send` then fails with `connector_closed`. */
  protected get closed(): boolean {
    return this.#closed;
  }

  abstract encode(record: Rec, id?: string): OutboundMessage;

  abstract send(messages: readonly OutboundMessage[]): Promise<void>;

  /** Counts a refused record and gives it to `onReject`, or logs it. */
  protected reject(record: Rec, error: ConnectorError): void {
    this.#options.metrics?.add(this.#rejection.metric, 1, { endpoint: this.#lease.value.name });
    if (this.#options.onReject !== undefined) this.#options.onReject(record, error);
    else this.#options.logger.log("error", this.#rejection.message, { error: error.message });
  }

  async write(batch: readonly Rec[]): Promise<void> {
    const messages: OutboundMessage[] = [];
    for (const record of batch) {
      try {
        messages.push(this.encode(record, this.#options.outputId?.(record)));
      } catch (error) {
        if (!(error instanceof ConnectorError)) throw error;
        this.reject(record, error);
      }
    }
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
