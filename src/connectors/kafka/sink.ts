/**
 * The Kafka sink: turns records into Kafka records (`records.ts`) for one
 * topic, with the destination's key, and produces them on the endpoint's
 * shared idempotent producer; a send resolves once the brokers have every
 * record (`acks: all` by default). While Kafka is away a send fails, and the
 * forwarder keeps the messages in the durable queue and replays them in order.
 *
 * @module
 */
import type { Rec } from "../../engine/mod.ts";
import type { OutboundMessage } from "../contract.ts";
import { ConnectorError } from "../errors.ts";
import type { Lease } from "../pool.ts";
import type { CommonSinkOptions } from "../factories.ts";
import { LeasedSink } from "../leased_sink.ts";
import type { KafkaConnection } from "./client.ts";
import { encodeKafkaRecord, keyFunction, type KeyOf } from "./records.ts";

/** Kafka's legal topic names. */
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

/** Options for {@linkcode KafkaSink}. */
export interface KafkaSinkOptions extends CommonSinkOptions {
  /** The Kafka topic. */
  readonly topic: string;
  /** The key template: fixed, `${inputTopic}` or `${property:<name>}`; absent: no key. */
  readonly key?: string;
}

/** Produces records to one Kafka topic. */
export class KafkaSink extends LeasedSink<KafkaConnection> {
  readonly #options: KafkaSinkOptions;
  readonly #keyOf: KeyOf | undefined;

  /**
   * Makes a sink on a leased connection (released by `close`).
   *
   * @throws {ConnectorError} code `connector_config` for an illegal topic or key template.
   */
  constructor(lease: Lease<KafkaConnection>, options: KafkaSinkOptions) {
    const topic = options.topic;
    if (!TOPIC.test(topic) || topic === "." || topic === "..") {
      throw new ConnectorError(
        "connector_config",
        `Kafka sink topic "${topic}" is not a Kafka topic name (letters, digits, ".", "_", "-")`,
      );
    }
    super(lease, options, {
      metric: "weir_kafka_sink_rejected_total",
      message: "record not produced",
    });
    this.#keyOf = keyFunction(options.key);
    this.#options = options;
  }

  override encode(record: Rec, id?: string): OutboundMessage {
    return encodeKafkaRecord(record, this.#options.topic, this.#keyOf, id);
  }

  override async send(messages: readonly OutboundMessage[]): Promise<void> {
    if (this.closed) throw new ConnectorError("connector_closed", "Kafka sink is closed");
    await this.connection.produce(messages);
  }
}
