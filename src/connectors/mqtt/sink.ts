/**
 * The MQTT sink: turns records into MQTT messages (docs/aio-compatibility.md, "Records") and
 * publishes them on the endpoint's shared connection. The topic is the
 * destination topic with `${outputTopic}` replaced by the record's own
 * message topic; MQTT 5 user properties are the message's, plus `__ts` (the
 * record's time as an AIO HLC string) and, when the caller gives one, the
 * output id `__weirId` (deterministic, so a receiver can drop duplicates of
 * at-least-once delivery). QoS is the endpoint's; for QoS 1 a send resolves
 * on PUBACK. Publishes in flight are capped per connection (`client.ts`).
 *
 * @module
 */
import { formatHlc } from "../../base/mod.ts";
import type { Rec } from "../../engine/mod.ts";
import type { OutboundMessage } from "../contract.ts";
import { ConnectorError } from "../errors.ts";
import type { Lease } from "../pool.ts";
import type { CommonSinkOptions } from "../factories.ts";
import { LeasedSink } from "../leased_sink.ts";
import type { MqttConnection } from "./client.ts";
import { TIMESTAMP_PROPERTY } from "./source.ts";
import { publishTopicProblem } from "../../base/mod.ts";

/** The user property that carries a result's deterministic output id. */
export const OUTPUT_ID_PROPERTY = "__weirId";

/** The placeholder a destination topic may hold. */
export const OUTPUT_TOPIC = "${outputTopic}";

const decoder = new TextDecoder();

/** Options for {@linkcode MqttSink}. */
export interface MqttSinkOptions extends CommonSinkOptions {
  /** The destination topic; `${outputTopic}` stands for each message's own topic. */
  readonly topic: string;
}

function rejected(reason: string): ConnectorError {
  return new ConnectorError("connector_rejected", reason);
}

/**
 * The message a record becomes for a destination topic template.
 *
 * @throws {ConnectorError} code `connector_rejected` when the topic cannot be resolved or is invalid.
 */
export function encodeRecord(record: Rec, topicTemplate: string, id?: string): OutboundMessage {
  const data = record.data;
  const usesTopic = topicTemplate.includes(OUTPUT_TOPIC);
  let topic = topicTemplate;
  let payload: Uint8Array;
  let contentType: string | null = null;
  const userProperties: Array<readonly [string, string]> = [];
  if (data.kind === "message") {
    if (usesTopic) topic = topicTemplate.replaceAll(OUTPUT_TOPIC, decoder.decode(data.topic));
    payload = data.payload;
    contentType = data.contentType;
    for (const pair of data.userProperties) {
      if (pair[0] !== TIMESTAMP_PROPERTY && pair[0] !== OUTPUT_ID_PROPERTY) {
        userProperties.push(pair);
      }
    }
  } else {
    if (usesTopic) {
      throw rejected(
        `A ${data.kind} record has no topic for "${OUTPUT_TOPIC}" in "${topicTemplate}"`,
      );
    }
    if (data.kind === "bytes") {
      payload = data.bytes;
    } else {
      payload = data.frame;
      userProperties.push(
        ["format", data.format],
        ["width", String(data.width)],
        ["height", String(data.height)],
      );
    }
  }
  const problem = publishTopicProblem(topic);
  if (problem !== undefined) {
    throw rejected(
      `Topic "${topic}" (from "${topicTemplate}") cannot be published to: expected ${problem}`,
    );
  }
  userProperties.push([TIMESTAMP_PROPERTY, formatHlc(record.time)]);
  if (id !== undefined) userProperties.push([OUTPUT_ID_PROPERTY, id]);
  return { topic, payload, properties: { contentType, userProperties } };
}

/** Publishes records to one destination topic on a shared connection. */
export class MqttSink extends LeasedSink<MqttConnection> {
  readonly #options: MqttSinkOptions;

  /**
   * Makes a sink on a leased connection (released by `close`).
   *
   * @throws {ConnectorError} code `connector_config` for an unusable topic template.
   */
  constructor(lease: Lease<MqttConnection>, options: MqttSinkOptions) {
    const literal = options.topic.replaceAll(OUTPUT_TOPIC, "x");
    const problem = publishTopicProblem(literal);
    if (problem !== undefined) {
      throw new ConnectorError(
        "connector_config",
        `MQTT sink topic "${options.topic}" cannot be published to: expected ${problem}`,
      );
    }
    super(lease, options, {
      metric: "weir_mqtt_sink_rejected_total",
      message: "record not published",
    });
    this.#options = options;
  }

  override encode(record: Rec, id?: string): OutboundMessage {
    return encodeRecord(record, this.#options.topic, id);
  }

  override async send(messages: readonly OutboundMessage[]): Promise<void> {
    if (this.closed) throw new ConnectorError("connector_closed", "MQTT sink is closed");
    const connection = this.connection;
    // Started in order: the connection publishes in call order, at most 500 at once.
    const results = await Promise.allSettled(messages.map((m) => connection.publish(m)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }
}
