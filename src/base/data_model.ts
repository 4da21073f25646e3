/**
 * The values that flow between operators, mirroring the WIT `data-model`
 * variant (docs/aio-compatibility.md, "Records"): an MQTT-like message, an image snapshot, or
 * plain bytes. Payloads stay bytes end to end; the host never parses them.
 *
 * @module
 */
import type { Hlc } from "./hlc.ts";

/** The HLC carried inside data; unlike a record's logical time it keeps nanoseconds. */
export interface DataTimestamp {
  readonly secs: number;
  readonly nanos: number;
  readonly counter: number;
  readonly node: string;
}

/** A message schema reference or inline schema. */
export type MessageSchema =
  | { readonly kind: "registry-reference"; readonly reference: string }
  | { readonly kind: "inline"; readonly name: string; readonly content: string };

/** An MQTT-like message. */
export interface Message {
  readonly kind: "message";
  readonly timestamp: DataTimestamp;
  readonly topic: Uint8Array;
  readonly contentType: string | null;
  readonly payload: Uint8Array;
  readonly userProperties: ReadonlyArray<readonly [string, string]>;
  readonly schema: MessageSchema | null;
}

/** An image or video frame. */
export interface Snapshot {
  readonly kind: "snapshot";
  readonly timestamp: DataTimestamp;
  /** e.g. "rgb24". */
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly frame: Uint8Array;
}

/** Bytes with no envelope. */
export interface RawBytes {
  readonly kind: "bytes";
  readonly bytes: Uint8Array;
}

/** Any value a record may carry. */
export type DataModel = Message | Snapshot | RawBytes;

const EMPTY = new Uint8Array(0);

/** The data timestamp for a logical time. */
export function dataTimestampOf(time: Hlc): DataTimestamp {
  const secs = Math.floor(time.ms / 1000);
  return {
    secs,
    nanos: (time.ms - secs * 1000) * 1_000_000,
    counter: time.counter,
    node: time.node,
  };
}

/**
 * The default staged value of an accumulate at time `time`: an empty message
 * (docs/aio-compatibility.md, "Operators") with empty topic, no properties, and the window's time.
 */
export function emptyMessage(time: Hlc): Message {
  return {
    kind: "message",
    timestamp: dataTimestampOf(time),
    topic: EMPTY,
    contentType: null,
    payload: EMPTY,
    userProperties: [],
    schema: null,
  };
}
