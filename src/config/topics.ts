/**
 * Destination topics of the configuration: MQTT topic syntax (from base)
 * plus the `${outputTopic}` placeholder.
 *
 * @module
 */
import { publishTopicProblem } from "../base/mod.ts";

export { filterProblem, topicMatches } from "../base/mod.ts";

/** The placeholder a destination topic may hold. */
export const OUTPUT_TOPIC = "${outputTopic}";

/** What is wrong with a destination topic (which may hold `${outputTopic}`); undefined when valid. */
export function destinationProblem(topic: string): string | undefined {
  const literal = topic.split(OUTPUT_TOPIC).join("x");
  const placeholder = /\$\{[^}]*\}/.exec(literal);
  if (placeholder !== null) return `no placeholder but ${OUTPUT_TOPIC}, not ${placeholder[0]}`;
  const problem = publishTopicProblem(literal);
  if (problem !== undefined) return problem;
  if (topic.startsWith("$")) return 'a topic that does not start with "$" (kept for the broker)';
  return undefined;
}
