/**
 * What every connector's connection to one endpoint has: the endpoint's
 * name and settings, a logger, counters labelled with the endpoint, and a
 * close after which every call fails with the same `connector_closed`
 * error.
 *
 * @module
 */
import type { Logger, Metrics } from "../telemetry/mod.ts";
import { ConnectorError } from "./errors.ts";

/** What every connection is made with, besides its settings. */
export interface ConnectionOptions {
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Reads environment variables for secrets named by a variable. @default process.env */
  readonly env?: (name: string) => string | undefined;
}

/** The part of a connection every connector writes the same. */
export abstract class EndpointConnection<S> implements AsyncDisposable {
  /** The endpoint name. */
  readonly name: string;
  readonly settings: S;
  protected readonly logger: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #labels: { endpoint: string };
  #closing = false;

  /** Keeps what every connection keeps. */
  protected constructor(name: string, settings: S, options: ConnectionOptions) {
    this.name = name;
    this.settings = settings;
    this.logger = options.logger;
    this.#metrics = options.metrics;
    this.#labels = { endpoint: name };
  }

  /** True once closing began. */
  protected get closing(): boolean {
    return this.#closing;
  }

  /** Begins closing; false when it had begun already (closing again does nothing). */
  protected startClosing(): boolean {
    if (this.#closing) return false;
    this.#closing = true;
    return true;
  }

  /** The error of a call on a closed connection. */
  protected closedError(): ConnectorError {
    return new ConnectorError("connector_closed", `Connection "${this.name}" is closed`);
  }

  /** Throws {@linkcode closedError} once closing began. */
  protected ensureOpen(): void {
    if (this.#closing) throw this.closedError();
  }

  /** Adds `n` to the endpoint's counter `metric`. */
  protected count(metric: string, n: number): void {
    this.#metrics?.add(metric, n, this.#labels);
  }

  /** Closes the connection; calls after that fail with `connector_closed`. */
  abstract close(): Promise<void>;

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
