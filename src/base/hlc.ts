/**
 * Hybrid logical clocks as AIO uses them (docs/aio-compatibility.md, "Records"): a wall-clock time
 * in whole milliseconds, a counter, and a node id. Every record's logical time
 * is one of these; they order by (time, counter, node id).
 *
 * The string form is `ms:counter:node`. Writers pad to 15 and 5 digits
 * (`001758255553528:00000:nodeA`); readers accept unpadded parts too.
 *
 * @module
 */

/** One hybrid-logical-clock value. Immutable. */
export interface Hlc {
  /** Milliseconds since the Unix epoch (whole, never fractional). */
  readonly ms: number;
  /** Orders events within one millisecond. */
  readonly counter: number;
  /** The node that issued the value. */
  readonly node: string;
}

/** The clock drift the AIO SDK tolerates by default: 60 s into the future. */
export const DEFAULT_MAX_CLOCK_DRIFT_MS = 60_000;

/** Below every real time: the frontier of a stream that has promised nothing yet. */
export const HLC_MIN: Hlc = Object.freeze({ ms: -Infinity, counter: 0, node: "" });

/** Above every real time: the frontier of a closed stream. */
export const HLC_MAX: Hlc = Object.freeze({ ms: Infinity, counter: 0, node: "" });

/** Makes an HLC, truncating the time to whole milliseconds as AIO does. */
export function hlc(ms: number, counter = 0, node = ""): Hlc {
  return { ms: Math.floor(ms), counter, node };
}

/** Orders two HLCs: negative when `a` is earlier, 0 when equal, positive when later. */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/** The earlier of two HLCs. */
export function minHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) <= 0 ? a : b;
}

/** The later of two HLCs. */
export function maxHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) >= 0 ? a : b;
}

const DIGITS = /^[0-9]+$/;

/**
 * Parses the `__ts` string form. Returns an error message instead of throwing,
 * because a bad header is a property of one message, not of the gateway.
 */
export function parseHlc(text: string): Hlc | string {
  const first = text.indexOf(":");
  const second = first < 0 ? -1 : text.indexOf(":", first + 1);
  if (first < 0 || second < 0) {
    return `HLC "${text}" is malformed: expected "ms:counter:node"`;
  }
  const msText = text.slice(0, first);
  const counterText = text.slice(first + 1, second);
  const node = text.slice(second + 1);
  if (!DIGITS.test(msText)) {
    return `HLC "${text}" is malformed: time "${msText}" is not a whole number of milliseconds`;
  }
  if (!DIGITS.test(counterText)) {
    return `HLC "${text}" is malformed: counter "${counterText}" is not a whole number`;
  }
  const ms = Number(msText);
  const counter = Number(counterText);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(counter)) {
    return `HLC "${text}" is out of range`;
  }
  return { ms, counter, node };
}

/** Formats an HLC the way AIO writers do: 15-digit time, 5-digit counter. */
export function formatHlc(value: Hlc): string {
  return `${String(value.ms).padStart(15, "0")}:${
    String(value.counter).padStart(5, "0")
  }:${value.node}`;
}

/** Seconds and nanoseconds, as the WIT `timespec` carries them. */
export interface Timespec {
  readonly secs: number;
  readonly nanos: number;
}

/** The timespec of an HLC's time. */
export function hlcToTimespec(value: Hlc): Timespec {
  const secs = Math.floor(value.ms / 1000);
  return { secs, nanos: (value.ms - secs * 1000) * 1_000_000 };
}

/** The HLC time of a timespec, truncated to whole milliseconds. */
export function timespecToMs(spec: Timespec): number {
  return spec.secs * 1000 + Math.floor(spec.nanos / 1_000_000);
}
