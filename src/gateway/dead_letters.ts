/**
 * What a dead letter or a late record becomes in the outbound queue: a JSON
 * description with the record's time, topic, properties and payload, kept
 * under the dead-letter budget for the dataflow (`dead-letter/<dataflow>`).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { formatHlc } from "../base/mod.ts";
import type { DeadLetter, LateRecord, Rec } from "../engine/mod.ts";
import type { QueueMessage } from "../store/mod.ts";

/** Why a record is a dead letter. */
export type DeadLetterKind = "dead-letter" | "late";

/** The queue destination of a dataflow's dead letters. */
export function deadLetterDestination(dataflow: string): string {
  return `dead-letter/${dataflow}`;
}

/** A dead letter for a record the gateway itself could not handle (no operation involved). */
export function gatewayDeadLetter(operation: string, record: Rec, reason: string): DeadLetter {
  return { operation, record, reason };
}

/** The queue message of a dead letter or late record; `withPayload` false drops the payload. */
export function deadLetterMessage(
  dataflow: string,
  kind: DeadLetterKind,
  entry: DeadLetter | LateRecord,
  withPayload = true,
): QueueMessage {
  const data = entry.record.data;
  const body = {
    kind,
    dataflow,
    operation: entry.operation,
    ...("reason" in entry ? { reason: entry.reason } : { frontier: formatHlc(entry.frontier) }),
    ts: formatHlc(entry.record.time),
    ...(data.kind === "message"
      ? {
        topic: new TextDecoder().decode(data.topic),
        ...(withPayload
          ? { payloadBase64: Buffer.from(data.payload).toString("base64") }
          : { payloadBytes: data.payload.byteLength }),
        properties: data.userProperties,
        ...(data.contentType === null ? {} : { contentType: data.contentType }),
      }
      : { dataKind: data.kind }),
  };
  return {
    destination: deadLetterDestination(dataflow),
    topic: `weir/dead-letter/${dataflow}`,
    payload: new TextEncoder().encode(JSON.stringify(body)),
    properties: { contentType: "application/json", userProperties: [] },
    id: `${dataflow}/${entry.operation}/${formatHlc(entry.record.time)}/${kind}`,
    deadLetter: true,
  };
}

/**
 * The dead letter kept for a message larger than its queue budget: what it
 * was (id, topic, sizes), without the payload, so it is small by construction.
 */
export function tooLargeDeadLetter(
  dataflow: string,
  message: QueueMessage,
  sizes: { readonly needed: number; readonly available: number },
): QueueMessage {
  const body = {
    kind: "too-large",
    dataflow,
    reason:
      `Message of ${sizes.needed} bytes is larger than its queue budget (${sizes.available} bytes)`,
    id: message.id.slice(0, 512),
    topic: message.topic.slice(0, 512),
    payloadBytes: message.payload.byteLength,
    properties: message.properties.userProperties.length,
    wasDeadLetter: message.deadLetter === true,
  };
  return {
    destination: deadLetterDestination(dataflow),
    topic: `weir/dead-letter/${dataflow}`,
    payload: new TextEncoder().encode(JSON.stringify(body)),
    properties: { contentType: "application/json", userProperties: [] },
    id: `${dataflow}/too-large/${body.id}`,
    deadLetter: true,
  };
}
