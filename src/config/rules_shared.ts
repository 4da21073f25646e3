/**
 * What the rule files share: reading the plain configuration value, whose
 * parts the structural check may already have found wrong (a part is taken
 * only when it has the expected type), the TLS rule of every endpoint kind,
 * and one finding per topic a source lists that its endpoint's kind refuses.
 *
 * @module
 */
import { quote } from "../base/mod.ts";
import type { Finding, YamlPath } from "./issue.ts";

/** A plain object of the configuration value. */
export type Obj = Record<string, unknown>;

/** `value` when it is a plain object (not an array). */
export function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Obj
    : undefined;
}

/** `value` when it is text. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** How a kind of source names its topics, and which it refuses. */
export interface TopicRule {
  /** The finding's rule, e.g. `topic-filter`. */
  readonly rule: string;
  /** What a topic is called in the message, e.g. `topic filter`. */
  readonly noun: string;
  /** What is wrong with a topic; undefined when it is fine. */
  problemOf(topic: string): string | undefined;
}

/** A finding for each of a source's topics (at `path`) the rule refuses; empty ones are the schema's. */
export function sourceTopicFindings(
  path: YamlPath,
  topics: readonly unknown[],
  check: TopicRule,
): Finding[] {
  const findings: Finding[] = [];
  for (const [i, topic] of topics.entries()) {
    if (typeof topic !== "string" || topic === "") continue;
    const problem = check.problemOf(topic);
    if (problem !== undefined) {
      findings.push({
        path: [...path, i],
        rule: check.rule,
        message: `found ${check.noun} ${quote(topic)}, expected ${problem}`,
      });
    }
  }
  return findings;
}

/** An endpoint's client certificate and key come together or not at all. */
export function tlsPairFindings(path: YamlPath, tls: Obj | undefined): Finding[] {
  if (tls === undefined || (tls.cert === undefined) === (tls.key === undefined)) return [];
  const missing = tls.cert === undefined ? "cert" : "key";
  return [{
    path: [...path, "tls", missing],
    rule: "tls-pair",
    message: `missing "${missing}", expected a client certificate and its key together`,
  }];
}
