/**
 * Converts between Weir's data model and the JavaScript values jco's bindings
 * use for the WIT types (records with camelCase fields, variants as
 * `{tag, val}`, `u64` as bigint, options as `undefined`).
 *
 * @module
 */
import type { DataModel, DataTimestamp, Hlc, Message, MessageSchema } from "../base/mod.ts";
import { HostBuffer } from "./host_buffer.ts";

type Variant<T extends string, V> = { tag: T; val: V };

/** `buffer-or-bytes` as jco represents it. */
export type WitBufferOrBytes = Variant<"buffer", HostBuffer> | Variant<"bytes", Uint8Array>;
/** `buffer-or-string` as jco represents it. */
export type WitBufferOrString = Variant<"buffer", HostBuffer> | Variant<"string", string>;

/** `types.timestamp`. */
export interface WitTimestamp {
  timestamp: { secs: bigint; nanos: number };
  counter: bigint;
  nodeId: WitBufferOrString;
}

/** `hybrid-logical-clock.hybrid-logical-clock`. */
export interface WitHlc {
  timestamp: { secs: bigint; nanos: number };
  counter: bigint;
  nodeId: string;
}

/** `types.data-model`. */
export type WitDataModel =
  | Variant<"message", {
    timestamp: WitTimestamp;
    topic: WitBufferOrBytes;
    contentType?: WitBufferOrString | undefined;
    payload: WitBufferOrBytes;
    properties: { userProperties: Array<[WitBufferOrString, WitBufferOrString]> };
    schema?: unknown;
  }>
  | Variant<"snapshot", {
    timestamp: WitTimestamp;
    format: WitBufferOrString;
    width: number;
    height: number;
    frame: WitBufferOrBytes;
  }>
  | Variant<"buffer-or-bytes", WitBufferOrBytes>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bufferOf(bytes: Uint8Array): WitBufferOrBytes {
  return { tag: "buffer", val: new HostBuffer(bytes) };
}

function stringBuffer(text: string): WitBufferOrString {
  return { tag: "buffer", val: new HostBuffer(encoder.encode(text)) };
}

function lowerTimestamp(t: DataTimestamp): WitTimestamp {
  return {
    timestamp: { secs: BigInt(t.secs), nanos: t.nanos },
    counter: BigInt(t.counter),
    nodeId: stringBuffer(t.node),
  };
}

function lowerSchema(schema: MessageSchema | null): unknown {
  if (schema === null) return undefined;
  if (schema.kind === "registry-reference") {
    return { tag: "registry-reference", val: stringBuffer(schema.reference) };
  }
  return {
    tag: "inline",
    val: { name: stringBuffer(schema.name), content: stringBuffer(schema.content) },
  };
}

/** The value a module receives for `data`. */
export function lowerDataModel(data: DataModel): WitDataModel {
  switch (data.kind) {
    case "message":
      return {
        tag: "message",
        val: {
          timestamp: lowerTimestamp(data.timestamp),
          topic: bufferOf(data.topic),
          contentType: data.contentType === null ? undefined : stringBuffer(data.contentType),
          payload: bufferOf(data.payload),
          properties: {
            userProperties: data.userProperties.map(([k, v]) => [stringBuffer(k), stringBuffer(v)]),
          },
          schema: lowerSchema(data.schema),
        },
      };
    case "snapshot":
      return {
        tag: "snapshot",
        val: {
          timestamp: lowerTimestamp(data.timestamp),
          format: stringBuffer(data.format),
          width: data.width,
          height: data.height,
          frame: bufferOf(data.frame),
        },
      };
    case "bytes":
      return { tag: "buffer-or-bytes", val: bufferOf(data.bytes) };
  }
}

function bytesOf(v: WitBufferOrBytes | WitBufferOrString): Uint8Array {
  if (v.tag === "buffer") return v.val instanceof HostBuffer ? v.val.bytes : toBytes(v.val);
  return typeof v.val === "string" ? encoder.encode(v.val) : v.val;
}

/** A foreign resource object that still offers `read()`. */
function toBytes(value: unknown): Uint8Array {
  const read = (value as { read?: () => Uint8Array }).read;
  if (typeof read === "function") return read.call(value);
  throw new TypeError("Module returned a buffer that is not a host buffer");
}

function textOf(v: WitBufferOrString): string {
  return v.tag === "string" ? v.val : decoder.decode(bytesOf(v));
}

function liftTimestamp(t: WitTimestamp): DataTimestamp {
  return {
    secs: Number(t.timestamp.secs),
    nanos: t.timestamp.nanos,
    counter: Number(t.counter),
    node: textOf(t.nodeId),
  };
}

function liftSchema(schema: unknown): MessageSchema | null {
  const s = schema as
    | Variant<"registry-reference", WitBufferOrString>
    | Variant<"inline", { name: WitBufferOrString; content: WitBufferOrString }>
    | undefined;
  if (s === undefined || s === null) return null;
  if (s.tag === "registry-reference") {
    return { kind: "registry-reference", reference: textOf(s.val) };
  }
  return { kind: "inline", name: textOf(s.val.name), content: textOf(s.val.content) };
}

/** Weir's value for what a module returned. */
export function liftDataModel(value: WitDataModel): DataModel {
  switch (value.tag) {
    case "message": {
      const m = value.val;
      const message: Message = {
        kind: "message",
        timestamp: liftTimestamp(m.timestamp),
        topic: bytesOf(m.topic),
        contentType: m.contentType === undefined || m.contentType === null
          ? null
          : textOf(m.contentType),
        payload: bytesOf(m.payload),
        userProperties: m.properties.userProperties.map(([k, v]) =>
          [textOf(k), textOf(v)] as const
        ),
        schema: liftSchema(m.schema),
      };
      return message;
    }
    case "snapshot": {
      const s = value.val;
      return {
        kind: "snapshot",
        timestamp: liftTimestamp(s.timestamp),
        format: textOf(s.format),
        width: s.width,
        height: s.height,
        frame: bytesOf(s.frame),
      };
    }
    case "buffer-or-bytes":
      return { kind: "bytes", bytes: bytesOf(value.val) };
  }
  throw new TypeError(
    `Module returned an unknown data-model variant "${(value as { tag: string }).tag}"`,
  );
}

/** The `hybrid-logical-clock` argument of branch and delay. */
export function lowerHlc(t: Hlc): WitHlc {
  const secs = Math.floor(t.ms / 1000);
  return {
    timestamp: { secs: BigInt(secs), nanos: (t.ms - secs * 1000) * 1_000_000 },
    counter: BigInt(t.counter),
    nodeId: t.node,
  };
}

/** Weir's HLC for what delay returned, truncated to whole milliseconds. */
export function liftHlc(v: WitHlc): Hlc {
  return {
    ms: Number(v.timestamp.secs) * 1000 + Math.floor(v.timestamp.nanos / 1_000_000),
    counter: Number(v.counter),
    node: v.nodeId,
  };
}
