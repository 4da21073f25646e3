/**
 * The offline runner's line format: one JSON object per input message
 * (`topic`, `payload` or `payloadBase64`, optional `ts`, `properties`,
 * `contentType`) and one per sink record (the same fields plus `kind`).
 * A `payload` is UTF-8 text, or any other JSON value, which stands for its
 * JSON text (`"payload": {"temperature": 72}`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  type DataModel,
  dataTimestampOf,
  formatHlc,
  type Hlc,
  hlc,
  type Message,
  parseHlc,
  WeirError,
} from "../base/mod.ts";
import type { Rec } from "../engine/mod.ts";

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function bad(where: string, what: string): never {
  throw new WeirError("usage", `${where}: ${what}`);
}

function stringField(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") bad(where, `"${key}" must be a string, found ${JSON.stringify(v)}`);
  return v;
}

function propertiesField(obj: Record<string, unknown>, where: string): Array<[string, string]> {
  const v = obj["properties"];
  if (v === undefined || v === null) return [];
  const pairs = Array.isArray(v)
    ? v
    : typeof v === "object"
    ? Object.entries(v as object)
    : undefined;
  if (
    !pairs?.every((p) =>
      Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === "string")
    )
  ) {
    bad(where, `"properties" must be a list of [key, value] string pairs or an object of strings`);
  }
  return pairs as Array<[string, string]>;
}

/** The `payload` field as text: a string as it is, any other JSON value as its JSON text. */
function payloadText(obj: Record<string, unknown>, where: string): string | undefined {
  const v = obj["payload"];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "object" || typeof v === "number" || typeof v === "boolean") {
    return JSON.stringify(v);
  }
  bad(where, `"payload" must be text or a JSON value, found ${typeof v}`);
}

/**
 * Reads one input line. Lines without `ts` get the previous line's time with
 * the counter moved on (the first gets `0:0:weir`), so a run never depends on
 * the wall clock.
 */
export function parseInputLine(line: string, where: string, previous: Hlc | undefined): Rec {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    bad(where, `not JSON: ${(e as Error).message}`);
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    bad(where, "expected a JSON object");
  }
  const o = obj as Record<string, unknown>;
  const topic = stringField(o, "topic", where) ?? "";
  const text = payloadText(o, where);
  const b64 = stringField(o, "payloadBase64", where);
  if (text !== undefined && b64 !== undefined) {
    bad(where, `give "payload" or "payloadBase64", not both`);
  }
  const payload = b64 !== undefined
    ? new Uint8Array(Buffer.from(b64, "base64"))
    : encoder.encode(text ?? "");
  const tsText = stringField(o, "ts", where);
  let time: Hlc;
  if (tsText !== undefined) {
    const t = parseHlc(tsText);
    if (typeof t === "string") bad(where, `"ts": ${t}`);
    time = t;
  } else {
    time = previous ? hlc(previous.ms, previous.counter + 1, previous.node) : hlc(0, 0, "weir");
  }
  const data: Message = {
    kind: "message",
    timestamp: dataTimestampOf(time),
    topic: encoder.encode(topic),
    contentType: stringField(o, "contentType", where) ?? null,
    payload,
    userProperties: propertiesField(o, where),
    schema: null,
  };
  return { time, data };
}

function bytesFields(bytes: Uint8Array, name: string): Record<string, string> {
  try {
    return { [name]: strictUtf8.decode(bytes) };
  } catch {
    return { [`${name}Base64`]: Buffer.from(bytes).toString("base64") };
  }
}

/**
 * The input line for a message record: what {@linkcode parseInputLine} reads
 * back into the same record (topic, payload bytes, time, properties, content
 * type), so a record seen live can become a test case.
 */
export function formatInputLine(time: Hlc, message: Message): string {
  return JSON.stringify({
    topic: new TextDecoder().decode(message.topic),
    ...bytesFields(message.payload, "payload"),
    ts: formatHlc(time),
    properties: message.userProperties,
    ...(message.contentType === null ? {} : { contentType: message.contentType }),
  });
}

/** One output line for a sink record. */
export function formatOutputLine(record: Rec): string {
  const d: DataModel = record.data;
  const ts = formatHlc(record.time);
  switch (d.kind) {
    case "message":
      return JSON.stringify({
        kind: "message",
        topic: new TextDecoder().decode(d.topic),
        ...bytesFields(d.payload, "payload"),
        ts,
        properties: d.userProperties,
        contentType: d.contentType,
      });
    case "snapshot":
      return JSON.stringify({
        kind: "snapshot",
        format: d.format,
        width: d.width,
        height: d.height,
        ...bytesFields(d.frame, "payload"),
        ts,
      });
    case "bytes":
      return JSON.stringify({ kind: "bytes", ...bytesFields(d.bytes, "payload"), ts });
  }
}
