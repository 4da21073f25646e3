/**
 * MQTT topic matching and publish-topic checks (MQTT 5 §4.7).
 *
 * @module
 */

/** True when a topic name matches a filter (`$` topics never match a leading wildcard). */
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

/** What is wrong with a topic to publish to, or undefined. */
export function publishTopicProblem(topic: string): string | undefined {
  if (topic.length === 0) return "it is empty";
  if (/[+#]/.test(topic)) return 'it holds a wildcard ("+" or "#")';
  if (topic.includes("\u0000")) return "it holds a NUL character";
  return undefined;
}

/** What is wrong with a subscription filter, or undefined. */
export function filterProblem(filter: string): string | undefined {
  if (filter.length === 0) return "it is empty";
  if (filter.startsWith("$share/")) return 'it starts with "$share/" (use sharedGroup)';
  const levels = filter.split("/");
  for (const [i, level] of levels.entries()) {
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1)) {
      return '"#" may only be a whole last level';
    }
    if (level.includes("+") && level !== "+") return '"+" may only be a whole level';
  }
  return undefined;
}
