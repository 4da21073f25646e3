/**
 * The connectors' error: a {@linkcode WeirError} whose code tells a
 * configuration mistake from a broker that refused or went away.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";

/** Stable codes of {@linkcode ConnectorError}. */
export type ConnectorErrorCode =
  /** No connector of that kind is registered. */
  | "connector_unknown"
  /** Two connectors claim one kind. */
  | "connector_duplicate"
  /** Endpoint or source/sink settings are unusable (bad field, missing secret or TLS file). */
  | "connector_config"
  /** The broker refused (a SUBACK or PUBACK failure code). */
  | "connector_refused"
  /** A record cannot be sent as is (no topic for `${outputTopic}`, a wildcard in the topic). */
  | "connector_rejected"
  /** The source, sink or connection was closed while the call was pending. */
  | "connector_closed";

/** An error a connector raises on purpose, with a code callers may branch on. */
export class ConnectorError extends WeirError {
  /** The stable code of this error. */
  declare readonly code: ConnectorErrorCode;

  /** Makes an error with a code and a sentence-case message without a trailing period. */
  constructor(code: ConnectorErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    this.name = "ConnectorError";
  }
}
