/**
 * Dead letters as an operator sees them: read back from their queue rows
 * (the JSON that dead_letters.ts wrote), with a payload preview as JSON,
 * text or hex, and turned back into the source record they hold, for a
 * replay or for a `weir graph test` input line.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { dataTimestampOf, type Hlc, type Message, parseHlc } from "../base/mod.ts";
import type { QueuedMessage } from "../store/mod.ts";
import { formatInputLine } from "./jsonl_records.ts";

/** How a payload is shown. */
export type PreviewFormat = "json" | "text" | "hex";

/** A payload shown for people: pretty JSON, text, or a hex dump; cut at a length. */
export interface PayloadPreview {
  readonly as: PreviewFormat;
  readonly text: string;
  /** True when `text` shows only the start of the payload. */
  readonly truncated: boolean;
}

/** One dead letter, without its payload bytes. */
export interface DeadLetterEntry {
  /** Its place in the queue: the handle to show, replay or purge it by. */
  readonly seq: number;
  /** ISO time it was stored. */
  readonly at: string;
  readonly dataflow: string;
  /** `dead-letter` (an operation failed on it), `late` (behind a window's frontier) or `too-large`. */
  readonly kind: string;
  readonly operation?: string;
  /** Why it failed (a module's error, a trap, a deadline). */
  readonly reason?: string;
  /** For a late record: the frontier it was behind. */
  readonly frontier?: string;
  /** The record's time (HLC `ms:counter:node`). */
  readonly ts?: string;
  readonly topic?: string;
  readonly contentType?: string;
  readonly properties: ReadonlyArray<readonly [string, string]>;
  readonly payloadBytes: number;
  /** Whether it holds a whole message, so it can be replayed or exported. */
  readonly replayable: boolean;
  /** The start of the payload. */
  readonly preview?: PayloadPreview;
}

/** One dead letter with its whole payload. */
export interface DeadLetterDetail extends DeadLetterEntry {
  /** The payload, base64. */
  readonly payloadBase64?: string;
}

/** The JSON a dead-letter row holds (see dead_letters.ts). */
interface Body {
  kind?: string;
  dataflow?: string;
  operation?: string;
  reason?: string;
  frontier?: string;
  ts?: string;
  topic?: string;
  payloadBase64?: string;
  payloadBytes?: number;
  properties?: unknown;
  contentType?: string;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/;

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = [...bytes.subarray(i, i + 16)];
    const hex = row.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${i.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

/** How {@linkcode payloadPreview} shows a payload. */
export interface PreviewOptions {
  /** One format; by default the one that suits the bytes. */
  readonly as?: PreviewFormat;
  /** Cut the text at this many characters. @default 4096 */
  readonly maxChars?: number;
  /** JSON as it was sent (for one-line lists), not indented. @default false */
  readonly compact?: boolean;
}

/**
 * A payload for people. By default JSON when it parses, text when it is
 * UTF-8 without control characters, else a hex dump; `as` asks for one format (text of bytes that are
 * not UTF-8 shows replacement characters).
 */
export function payloadPreview(
  bytes: Uint8Array,
  options: PreviewOptions = {},
): PayloadPreview {
  const max = options.maxChars ?? 4096;
  let text: string | undefined;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = undefined;
  }
  // Bytes that are not UTF-8, or text with control characters, read best as hex.
  const binary = text === undefined || CONTROL.test(text);
  let as = options.as ?? (binary ? "hex" : "text");
  let shown: string;
  if (as === "hex") {
    // Only as many bytes as the characters allow: a dump line is 75 characters for 16 bytes.
    shown = hexDump(bytes.subarray(0, Math.ceil(max / 75) * 16));
    return { as, text: shown, truncated: bytes.length > Math.ceil(max / 75) * 16 };
  }
  text ??= new TextDecoder().decode(bytes);
  if (options.as === undefined || as === "json") {
    try {
      const value = JSON.parse(text);
      shown = options.compact === true ? text : JSON.stringify(value, null, 2);
      as = "json";
    } catch {
      shown = text;
      as = "text";
    }
  } else {
    shown = text;
  }
  return { as, text: shown.slice(0, max), truncated: shown.length > max };
}

function pairs(value: unknown): Array<[string, string]> {
  if (!Array.isArray(value)) return [];
  return value.filter((p): p is [string, string] =>
    Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && typeof p[1] === "string"
  );
}

function parseBody(row: QueuedMessage): Body {
  try {
    const value = JSON.parse(new TextDecoder().decode(row.payload));
    return typeof value === "object" && value !== null ? value as Body : {};
  } catch {
    return {};
  }
}

/** The dataflow a dead-letter destination (`dead-letter/<dataflow>`) belongs to. */
function dataflowOf(row: QueuedMessage, body: Body): string {
  return body.dataflow ?? row.destination.replace(/^dead-letter\//, "");
}

/** A dead-letter row as an entry, its payload previewed up to `maxChars`. */
export function deadLetterEntry(
  row: QueuedMessage,
  options: PreviewOptions = {},
): DeadLetterDetail {
  const body = parseBody(row);
  const payload = body.payloadBase64 === undefined
    ? undefined
    : new Uint8Array(Buffer.from(body.payloadBase64, "base64"));
  const time = body.ts === undefined ? undefined : parseHlc(body.ts);
  const replayable = payload !== undefined && body.topic !== undefined &&
    time !== undefined && typeof time !== "string";
  return {
    seq: row.seq,
    at: new Date(row.enqueuedAt).toISOString(),
    dataflow: dataflowOf(row, body),
    kind: body.kind ?? "dead-letter",
    ...(body.operation === undefined ? {} : { operation: body.operation }),
    ...(body.reason === undefined ? {} : { reason: body.reason }),
    ...(body.frontier === undefined ? {} : { frontier: body.frontier }),
    ...(body.ts === undefined ? {} : { ts: body.ts }),
    ...(body.topic === undefined ? {} : { topic: body.topic }),
    ...(body.contentType === undefined ? {} : { contentType: body.contentType }),
    properties: pairs(body.properties),
    payloadBytes: payload?.byteLength ?? body.payloadBytes ?? 0,
    replayable,
    ...(payload === undefined ? {} : {
      preview: payloadPreview(payload, options),
      payloadBase64: body.payloadBase64!,
    }),
  };
}

/** The source record a dead letter holds (its original time, topic, properties and payload). */
export function deadLetterRecord(
  entry: DeadLetterDetail,
): { time: Hlc; message: Message } | undefined {
  if (!entry.replayable || entry.payloadBase64 === undefined || entry.ts === undefined) {
    return undefined;
  }
  const time = parseHlc(entry.ts);
  if (typeof time === "string") return undefined;
  return {
    time,
    message: {
      kind: "message",
      timestamp: dataTimestampOf(time),
      topic: new TextEncoder().encode(entry.topic ?? ""),
      contentType: entry.contentType ?? null,
      payload: new Uint8Array(Buffer.from(entry.payloadBase64, "base64")),
      userProperties: entry.properties,
      schema: null,
    },
  };
}

/** The `weir graph test` input line of a dead letter, or undefined when it holds no message. */
export function deadLetterInputLine(entry: DeadLetterDetail): string | undefined {
  const record = deadLetterRecord(entry);
  return record === undefined ? undefined : formatInputLine(record.time, record.message);
}
