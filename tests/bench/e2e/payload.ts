/**
 * The bench's messages: temperature readings the sample modules accept, which
 * carry their own sequence number and send time so that every system under
 * test (MQTT 5 or 3.1.1, with or without user properties) is measured alike.
 *
 * The temperature map re-serializes a reading with its known fields only, so
 * the number and the time ride in fields it keeps: `count` (the sequence
 * number) and `last` (send time, epoch milliseconds). A `pad` field, which
 * every module ignores, brings the message to the size under test.
 *
 * - "echo" messages are °F readings: a map converts them, a filter passes them.
 * - "window" messages are °C readings whose value is the send time: the
 *   window's output then says how many went in (`count`) and when the newest
 *   of them was sent (`max`); its latency is measured from the window's end.
 *
 * @module
 */

/** How the outputs relate to the inputs. */
export type Shape = "echo" | "window";

/** Wall-clock time in milliseconds with sub-millisecond resolution (comparable across processes). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Builds messages of exactly `bytes` bytes (when `bytes` exceeds the bare reading). */
export function messageMaker(shape: Shape, bytes: number): (seq: number, sentMs: number) => string {
  const pad = "x".repeat(bytes);
  return (seq, sentMs) => {
    const t = sentMs.toFixed(3);
    const head = shape === "echo"
      ? `{"temperature":{"value":${50 + (seq % 40)},"count":${seq},"last":${t},"unit":"F","pad":"`
      : `{"temperature":{"value":${t},"count":${seq},"unit":"C","pad":"`;
    const tail = `"}}`;
    return head + pad.slice(0, Math.max(0, bytes - head.length - tail.length)) + tail;
  };
}

/** What an output message says. */
export interface Output {
  /** echo: the input's sequence number; window: how many inputs the window took. */
  readonly count: number;
  /** echo: the input's send time; window: the newest input's send time. */
  readonly sentMs: number;
}

const COUNT = /"count":(\d+)/;
const LAST = /"last":([-0-9.eE+]+)/;
const MAX = /"max":([-0-9.eE+]+)/;
const decoder = new TextDecoder();

/** Reads an output; undefined for anything else. Only the head is decoded: the pad comes last. */
export function readOutput(shape: Shape, payload: Uint8Array): Output | undefined {
  const head = decoder.decode(payload.subarray(0, 256));
  const count = COUNT.exec(head)?.[1];
  const sent = (shape === "echo" ? LAST : MAX).exec(head)?.[1];
  if (count === undefined || sent === undefined) return undefined;
  return { count: Number(count), sentMs: Number(sent) };
}

/**
 * What the temperature map does, for the relay's "one map": °F becomes °C and
 * the reading is re-serialized with its known fields only (the pad goes).
 */
export function convertReading(payload: Uint8Array): string {
  const t = JSON.parse(decoder.decode(payload)).temperature;
  const fahrenheit = t.unit === "F";
  return JSON.stringify({
    temperature: {
      value: fahrenheit ? (t.value - 32) * 5 / 9 : t.value,
      count: t.count ?? 0,
      max: t.max ?? 0,
      min: t.min ?? 0,
      average: t.average ?? 0,
      last: t.last ?? 0,
      unit: fahrenheit ? "C" : t.unit,
      overtemp: t.overtemp ?? false,
    },
  });
}
