/**
 * The one error type of the OCI client. It is a {@linkcode WeirError} (so the
 * CLI and admin API treat it like any other) with a finer `reason` that
 * callers branch on: the gateway falls back to its cache on `unreachable`,
 * tries the next candidate reference on `not_found`, and never retries a
 * `digest_mismatch`.
 *
 * @module
 */
import { WeirError, type WeirErrorCode } from "../base/mod.ts";

/** Why an OCI operation failed. */
export type OciErrorReason =
  /** The reference text is malformed. */
  | "bad_reference"
  /** The registry settings are unusable (plain HTTP to a remote host, a missing secret, …). */
  | "bad_config"
  /** The reference names a registry this client may not use (not configured, by policy). */
  | "not_allowed"
  /** The repository, tag, manifest or blob does not exist (or is not in the offline cache). */
  | "not_found"
  /** The registry refused the credentials, or wants some and none are configured. */
  | "unauthorized"
  /** The registry could not be reached, or answered with a server error. */
  | "unreachable"
  /** The registry answered something the protocol does not allow. */
  | "protocol"
  /** Content does not match its digest or size: it was tampered with or corrupted. */
  | "digest_mismatch"
  /** The manifest or its layers are not a module or graph artifact Weir understands. */
  | "bad_artifact"
  /** A bundle file is malformed or incomplete. */
  | "bad_bundle"
  /** Reading or writing a local file failed. */
  | "io";

const CODES: Record<OciErrorReason, WeirErrorCode> = {
  "bad_reference": "usage",
  "bad_config": "usage",
  "not_allowed": "usage",
  "not_found": "not_found",
  unauthorized: "registry",
  unreachable: "registry",
  protocol: "registry",
  "digest_mismatch": "module_invalid",
  "bad_artifact": "module_invalid",
  "bad_bundle": "module_invalid",
  io: "operator_failed",
};

/** An OCI failure, with the reference, what was expected and what was found in its message. */
export class OciError extends WeirError {
  /** The fine-grained cause, for callers that react differently to each. */
  readonly reason: OciErrorReason;

  /** Makes the error; the `code` follows from the reason. */
  constructor(reason: OciErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(CODES[reason], message, options);
    this.name = "OciError";
    this.reason = reason;
  }
}
