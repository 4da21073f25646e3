/**
 * Weir records ↔ Kafka records. A record's payload is the Kafka value; its
 * user properties are headers, in order (names may repeat); its content type
 * travels in the `content-type` header; `__ts` (the record's time as an AIO
 * HLC string) and `__weirId` (the output id) are headers too, as on MQTT.
 * The key is what the destination says: a fixed text, the message's topic
 * (`${inputTopic}`) or one of its user properties (`${property:<name>}`).
 *
 * A consumed record's time is its `__ts` header when it has a valid one;
 * otherwise the Kafka timestamp, with the record's own place as the HLC node
 * (`<topic>/<partition>/<offset>`), so the same record always gets the same
 * time — and a result derived from it the same output id — however often it
 * is delivered (a rebalance or a crash before the commit). A timestamp too
 * far ahead of the clock is replaced by an arrival stamp. The key, when
 * there is one, becomes the user property `__key`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import {
  dataTimestampOf,
  type Hlc,
  type HlcClock,
  type Message,
  parseHlc,
} from "../../base/mod.ts";
import type { Rec } from "../../engine/mod.ts";
import type { OutboundMessage } from "../contract.ts";
import { ConnectorError } from "../errors.ts";
import { encodeRecord } from "../mqtt/mod.ts";

/** The header that carries the content type. */
export const CONTENT_TYPE_HEADER = "content-type";

/** The user property a consumed record's key becomes. */
export const KEY_PROPERTY = "__key";

const TIMESTAMP_HEADER = "__ts";
const INPUT_TOPIC = "${inputTopic}";
const PROPERTY = /^\$\{property:([^{}]+)\}$/;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** How a destination's key template picks each record's key. */
export type KeyOf = (record: Rec) => string | undefined;

/**
 * The key function of a template; `undefined` when records have no key.
 *
 * @throws {ConnectorError} code `connector_config` for a placeholder it does not know.
 */
export function keyFunction(template: string | undefined): KeyOf | undefined {
  if (template === undefined) return undefined;
  if (template === INPUT_TOPIC) {
    return (record) => {
      if (record.data.kind !== "message") {
        throw new ConnectorError(
          "connector_rejected",
          `A ${record.data.kind} record has no topic for the key "${INPUT_TOPIC}"`,
        );
      }
      return decoder.decode(record.data.topic);
    };
  }
  const property = PROPERTY.exec(template)?.[1];
  if (property !== undefined) {
    return (record) =>
      record.data.kind === "message"
        ? record.data.userProperties.find(([k]) => k === property)?.[1]
        : undefined;
  }
  if (template.includes("${")) {
    throw new ConnectorError(
      "connector_config",
      `Kafka key "${template}" is not a fixed key, ${INPUT_TOPIC} or \${property:<name>}`,
    );
  }
  return () => template;
}

/**
 * The message a record becomes for a Kafka topic: the MQTT encoding (user
 * properties, `__ts`, `__weirId`) with the key added.
 *
 * @throws {ConnectorError} code `connector_rejected` when its key cannot be made.
 */
export function encodeKafkaRecord(
  record: Rec,
  topic: string,
  keyOf: KeyOf | undefined,
  id?: string,
): OutboundMessage {
  const message = encodeRecord(record, topic, id);
  const key = keyOf?.(record);
  return key === undefined ? message : { ...message, properties: { ...message.properties, key } };
}

/** What the producer gets for one message. */
export interface ProducedRecord {
  readonly topic: string;
  readonly key?: Buffer;
  readonly value: Buffer;
  readonly headers: Map<Buffer, Buffer>;
}

/** An outbound message as a Kafka record: headers keep their order and repeats. */
export function toProduced(message: OutboundMessage): ProducedRecord {
  // Distinct Buffer keys keep repeated names apart (the client takes headers as a Map).
  const headers = new Map<Buffer, Buffer>();
  const p = message.properties;
  if (p.contentType !== null) {
    headers.set(Buffer.from(CONTENT_TYPE_HEADER), Buffer.from(p.contentType));
  }
  for (const [k, v] of p.userProperties) headers.set(Buffer.from(k), Buffer.from(v));
  const value = Buffer.from(
    message.payload.buffer,
    message.payload.byteOffset,
    message.payload.byteLength,
  );
  return {
    topic: message.topic,
    ...(p.key === undefined ? {} : { key: Buffer.from(p.key) }),
    value,
    headers,
  };
}

/** A consumed record, as the client delivers it. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Uint8Array | undefined | null;
  readonly value: Uint8Array | undefined | null;
  readonly headerEntries: ReadonlyArray<readonly [Uint8Array | undefined, Uint8Array | undefined]>;
}

/** A record made from a Kafka record, and why its `__ts` was not taken, if it was not. */
export interface ConvertedKafka {
  readonly record: Rec;
  readonly warning?: string;
}

/** Turns a consumed Kafka record into a Weir record (see the module notes for its time). */
export function kafkaToRecord(consumed: ConsumedRecord, clock: HlcClock): ConvertedKafka {
  const userProperties: Array<readonly [string, string]> = [];
  let contentType: string | null = null;
  let stamp: string | undefined;
  for (const [k, v] of consumed.headerEntries) {
    const name = k === undefined ? "" : decoder.decode(k);
    const value = v === undefined ? "" : decoder.decode(v);
    if (name === TIMESTAMP_HEADER) stamp ??= value;
    else if (name === CONTENT_TYPE_HEADER && contentType === null) contentType = value;
    else userProperties.push([name, value]);
  }
  if (consumed.key !== undefined && consumed.key !== null) {
    userProperties.push([KEY_PROPERTY, decoder.decode(consumed.key)]);
  }
  let time: Hlc | undefined;
  let warning: string | undefined;
  if (stamp !== undefined) {
    const parsed = parseHlc(stamp);
    warning = typeof parsed === "string" ? parsed : clock.distrust(parsed);
    if (warning === undefined) time = parsed as Hlc;
  }
  if (time === undefined) {
    const own: Hlc = {
      ms: Number(consumed.timestamp),
      counter: 0,
      node: `${consumed.topic}/${consumed.partition}/${consumed.offset}`,
    };
    if (own.ms > 0 && clock.distrust(own) === undefined) time = own;
  }
  if (time === undefined) time = clock.updateNow();
  else clock.update(time);
  const value = consumed.value ?? new Uint8Array(0);
  const data: Message = {
    kind: "message",
    timestamp: dataTimestampOf(time),
    topic: encoder.encode(consumed.topic),
    contentType,
    payload: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    userProperties,
    schema: null,
  };
  return warning === undefined ? { record: { time, data } } : { record: { time, data }, warning };
}
