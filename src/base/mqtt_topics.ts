/**
 * MQTT topic syntax (MQTT 5 §4.7), shared by the configuration checks and the
 * MQTT connector: what a subscription filter and a publish topic may look
 * like, and filter matching. The checks return what was expected, as
 * "expected …" text, or undefined when the topic is fine.
 *
 * @module
 */

const encoder = new TextEncoder();

/** The rules every topic and filter follows. */
export function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return "a non-empty topic";
  if (topic.includes("\u0000")) return "a topic without NUL characters";
  if (encoder.encode(topic).length > 65535) return "a topic of at most 65535 bytes";
  return undefined;
}

/** What is wrong with a subscription filter. */
export function filterProblem(filter: string): string | undefined {
  const base = topicProblem(filter);
  if (base !== undefined) return base;
  if (filter.startsWith("$share/")) {
    return 'a topic filter without "$share/" (set sharedGroup instead)';
  }
  const levels = filter.split("/");
  for (const [i, level] of levels.entries()) {
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1)) {
      return '"#" only as a whole level at the end';
    }
    if (level.includes("+") && level !== "+") return '"+" only as a whole level';
  }
  return undefined;
}

/** What is wrong with a topic to publish to. */
export function publishTopicProblem(topic: string): string | undefined {
  const base = topicProblem(topic);
  if (base !== undefined) return base;
  if (/[+#]/.test(topic)) return 'a topic without the wildcards "+" and "#"';
  return undefined;
}

/** True when a topic name matches a subscription filter (`$` topics never match a leading wildcard). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  if (topic.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
