/**
 * One Kafka connection per endpoint, shared by its sinks and sources: the
 * client options (brokers, client id, TLS, SASL with the password read from
 * its file or variable), one idempotent producer behind a {@linkcode Batcher},
 * and consumers for the sources, each in its own group. The producer opens on
 * the first send; while the brokers are away a send fails (the forwarder
 * keeps the messages in the queue and tries again) and the connection reports
 * itself down.
 *
 * @module
 */
import process from "node:process";
import {
  Consumer,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  type ProducerOptions,
} from "@platformatic/kafka";
import type { Buffer } from "node:buffer";
import type { OutboundMessage } from "../contract.ts";
import { ConnectorError } from "../errors.ts";
import { type ConnectionOptions, EndpointConnection } from "../endpoint_connection.ts";
import type { ConnectionStatus } from "../pool.ts";
import { Batcher } from "../batcher.ts";
import { LinkStatus } from "../link_status.ts";
import { describeKafkaError } from "./errors.ts";
import { type ProducedRecord, toProduced } from "./records.ts";
import { type KafkaEndpointSettings, type KafkaSecurity, readKafkaSecurity } from "./settings.ts";

/** Options for {@linkcode KafkaConnection}. */
export type KafkaConnectionOptions = ConnectionOptions;

const ACKS = { all: ProduceAcks.ALL, leader: ProduceAcks.LEADER, none: ProduceAcks.NO_RESPONSE };

/** Client options every producer and consumer of the endpoint shares. */
export interface KafkaClientOptions {
  readonly clientId: string;
  readonly bootstrapBrokers: string[];
  readonly connectTimeout: number;
  readonly timeout: number;
  readonly retries: number;
  readonly retryDelay: number;
  readonly tls?: NonNullable<KafkaSecurity["tls"]>;
  readonly sasl?: NonNullable<KafkaSecurity["sasl"]>;
}

/** The clients of one Kafka endpoint. */
export class KafkaConnection extends EndpointConnection<KafkaEndpointSettings> {
  readonly #client: KafkaClientOptions;
  readonly #batcher: Batcher<ProducedRecord>;
  #producer: Producer | undefined;
  readonly #consumers = new Set<Consumer>();
  readonly #link: LinkStatus;

  /**
   * Prepares the clients (nothing connects until a send or a source starts).
   *
   * @throws {ConnectorError} code `connector_config` when a secret or TLS file is missing.
   */
  constructor(name: string, settings: KafkaEndpointSettings, options: KafkaConnectionOptions) {
    super(name, settings, options);
    this.#link = new LinkStatus(options.logger, "Kafka");
    const security = readKafkaSecurity(name, settings, options.env ?? ((n) => process.env[n]));
    this.#client = {
      clientId: settings.clientId,
      bootstrapBrokers: [...settings.brokers],
      connectTimeout: 5000,
      timeout: 10_000,
      retries: 2,
      retryDelay: 250,
      ...security,
    };
    this.#batcher = new Batcher((records) => this.#produce(records), settings.batching);
  }

  /** Options for a client of this endpoint (a source's consumer). */
  get clientOptions(): KafkaClientOptions {
    return this.#client;
  }

  /** Up after the last request succeeded, down (with why) after one failed. */
  status(): ConnectionStatus {
    return this.#link.current;
  }

  /** Notes the outcome of a request to the brokers (sources report theirs too). */
  report(error?: unknown): void {
    if (error === undefined) this.#link.up();
    else this.#link.down(describeKafkaError(error));
  }

  /** A consumer of this endpoint in `group` (closed with the connection). */
  consumer(
    group: string,
    options: { sessionTimeout: number; heartbeatInterval: number },
  ): Consumer {
    this.ensureOpen();
    const consumer = new Consumer({
      ...this.#client,
      groupId: group,
      sessionTimeout: options.sessionTimeout,
      heartbeatInterval: options.heartbeatInterval,
      rebalanceTimeout: Math.max(options.sessionTimeout, 30_000),
      autocommit: false,
      maxWaitTime: 500,
      highWaterMark: 4096,
    });
    this.#consumers.add(consumer);
    return consumer;
  }

  /** Closes a consumer made by {@linkcode consumer}. */
  async releaseConsumer(consumer: Consumer): Promise<void> {
    this.#consumers.delete(consumer);
    await consumer.close(true).catch(() => {});
  }

  /**
   * Produces messages in order (batched with other sinks' messages); resolves
   * when the brokers acknowledged all of them as `acks` says.
   *
   * @throws {ConnectorError} `connector_refused` naming the brokers' reason, or `connector_closed`.
   */
  async produce(messages: readonly OutboundMessage[]): Promise<void> {
    this.ensureOpen();
    const records = messages.map((m) => ({
      record: toProduced(m),
      bytes: m.payload.byteLength,
    }));
    try {
      await this.#batcher.add(records);
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      const topics = [...new Set(messages.map((m) => m.topic))].map((t) => `"${t}"`).join(", ");
      throw new ConnectorError(
        this.closing ? "connector_closed" : "connector_refused",
        `Producing to ${topics} on "${this.name}" failed: ${describeKafkaError(error)}`,
        { cause: error },
      );
    }
  }

  /** Closes the producer and every consumer; waiting sends fail with `connector_closed`. */
  async close(): Promise<void> {
    if (!this.startClosing()) return;
    this.#batcher.close(
      this.closedError(),
    );
    const consumers = [...this.#consumers];
    this.#consumers.clear();
    await Promise.allSettled([
      this.#producer?.close(true),
      ...consumers.map((c) => c.close(true)),
    ]);
  }

  #producerNow(): Producer {
    if (this.#producer === undefined) {
      const acks = ACKS[this.settings.acks];
      const options: ProducerOptions<Buffer, Buffer, Buffer, Buffer> = {
        ...this.#client,
        acks,
        // Idempotence needs acks from every in-sync replica.
        idempotent: acks === ProduceAcks.ALL,
        compression: this.settings.compression,
        autocreateTopics: false,
      };
      this.#producer = new Producer(options);
    }
    return this.#producer;
  }

  async #produce(records: ProducedRecord[]): Promise<void> {
    const producer = this.#producerNow();
    try {
      await producer.send({
        messages: records as MessageToProduce<Buffer, Buffer, Buffer, Buffer>[],
      });
      this.report();
      this.count("weir_kafka_produced_total", records.length);
    } catch (error) {
      this.report(error);
      // A fresh producer next time: one that failed mid-sequence may stay stuck on it.
      if (this.#producer === producer) this.#producer = undefined;
      producer.close(true).catch(() => {});
      throw error;
    }
  }
}
