/**
 * Whether the far side of a connection answers, as its requests tell: up
 * after one succeeded, down after one failed, since when, and the last
 * error. Each change is logged once, a warning when it goes down and a line
 * when it is back, so an outage is two log lines however many requests fail
 * during it.
 *
 * @module
 */
import type { Logger } from "../telemetry/mod.ts";
import type { ConnectionStatus } from "./pool.ts";

/** The status of one connection, for {@linkcode ConnectionStatus} reports. */
export class LinkStatus {
  readonly #logger: Logger;
  readonly #what: string;
  #status: ConnectionStatus = { up: false, since: Date.now() };

  /** Logs to `logger` as `<what> unavailable` and `<what> available again`. */
  constructor(logger: Logger, what: string) {
    this.#logger = logger;
    this.#what = what;
  }

  /** Up or down, since when, and the last error while down. */
  get current(): ConnectionStatus {
    return this.#status;
  }

  /** A request got its answer. */
  up(): void {
    if (this.#status.up) return;
    if (this.#status.error !== undefined) {
      this.#logger.log("info", `${this.#what} available again`, {
        downMs: Date.now() - this.#status.since,
      });
    }
    this.#status = { up: true, since: Date.now() };
  }

  /** A request failed for `error`; the first failure after being up (or since the start) is logged. */
  down(error: string): void {
    if (this.#status.up || this.#status.error === undefined) {
      this.#logger.log("warn", `${this.#what} unavailable`, { error });
    }
    this.#status = {
      up: false,
      since: this.#status.up ? Date.now() : this.#status.since,
      error,
    };
  }
}
