/**
 * One line from the Kafka client's errors, which nest (a retry's
 * `MultipleErrors` holds each attempt's, a response error each partition's):
 * the distinct innermost messages, with the broker's error names.
 *
 * @module
 */

interface Nested {
  readonly message?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
  readonly apiCode?: unknown;
  readonly apiId?: unknown;
}

function collect(error: unknown, out: Set<string>, depth: number): void {
  if (depth > 6 || error === null || typeof error !== "object") {
    if (error !== undefined && error !== null && typeof error !== "object") out.add(String(error));
    return;
  }
  const e = error as Nested;
  const children = [
    ...(Array.isArray(e.errors) ? e.errors : []),
    ...(e.cause === undefined ? [] : [e.cause]),
  ];
  if (children.length > 0) {
    for (const child of children) collect(child, out, depth + 1);
    return;
  }
  const name = typeof e.apiId === "string" ? ` (${e.apiId})` : "";
  out.add(`${String(e.message ?? error)}${name}`);
}

/** The reasons an error from the Kafka client carries, in one line. */
export function describeKafkaError(error: unknown): string {
  const reasons = new Set<string>();
  collect(error, reasons, 0);
  const list = [...reasons].filter((r) => r !== "");
  if (list.length === 0) return String(error);
  return list.length > 3
    ? `${list.slice(0, 3).join("; ")} (and ${list.length - 3} more)`
    : list.join("; ");
}

/** Whether an error only says the broker could not be reached (worth waiting for). */
export function isUnreachable(error: unknown): boolean {
  const text = describeKafkaError(error);
  return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|timed out|Connection closed|socket|network|Cannot connect|connect failed/i
    .test(text) && !/authenticat|SASL|not authorized|UNKNOWN_TOPIC/i.test(text);
}
