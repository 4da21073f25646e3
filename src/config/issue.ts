/**
 * What is wrong with a configuration file: one {@linkcode ConfigIssue} per
 * problem, each placed in the file, and the error that carries them all.
 *
 * @module
 */
export type { Finding, PathSegment, YamlPath } from "../base/mod.ts";
export { formatPath } from "../base/mod.ts";
import { formatYamlIssue, WeirError, type YamlIssue } from "../base/mod.ts";

/** One problem found in a configuration file. */
export type ConfigIssue = YamlIssue;

/** Formats an issue as `file:line:col: path: message [rule]`. */
export const formatConfigIssue: (issue: ConfigIssue) => string = formatYamlIssue;

/** Stable codes of {@linkcode ConfigError}. */
export type ConfigErrorCode = "config_invalid" | "config_io";

/** Thrown when a configuration cannot be read or is invalid; carries every issue at once. */
export class ConfigError extends WeirError {
  /** `config_invalid` (see `issues`) or `config_io` (the file cannot be read). */
  declare readonly code: ConfigErrorCode;
  /** Every problem of the file, in file order (empty for `config_io`). */
  readonly issues: readonly ConfigIssue[];

  /** Makes the error; for `config_invalid` the message lists every issue, one per line. */
  constructor(
    code: ConfigErrorCode,
    message: string,
    issues: readonly ConfigIssue[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(code, [message, ...issues.map(formatConfigIssue)].join("\n"), options);
    this.name = "ConfigError";
    this.issues = issues;
  }
}
