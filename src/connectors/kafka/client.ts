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
import type { Logger, Metrics } from "../../telemetry/mod.ts";
import type { OutboundMessage } from "../contract.ts";
import { ConnectorError } from "../errors.ts";
import type { ConnectionStatus } from "../pool.ts";
import { Batcher } from "../batcher.ts";
import { describeKafkaError } from "./errors.ts";
import { type ProducedRecord, toProduced } from "./records.ts";
import { type KafkaEndpointSettings, type KafkaSecurity, readKafkaSecurity } from "./settings.ts";

/** Options for {@linkcode KafkaConnection}. */
export interface KafkaConnectionOptions {
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Reads environment variables for `passwordEnv`. @default process.env */
  readonly env?: (name: string) => string | undefined;
}

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
export class KafkaConnection {
  /** The endpoint name. */
  readonly name: string;
  readonly settings: KafkaEndpointSettings;
  readonly #logger: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #labels: { endpoint: string };
  readonly #client: KafkaClientOptions;
  readonly #batcher: Batcher<ProducedRecord>;
  #producer: Producer | undefined;
  readonly #consumers = new Set<Consumer>();
  #status: ConnectionStatus = { up: false, since: Date.now() };
  #closing = false;

  /**
   * Prepares the clients (nothing connects until a send or a source starts).
   *
   * @throws {ConnectorError} code `connector_config` when a secret or TLS file is missing.
   */
  constructor(name: string, settings: KafkaEndpointSettings, options: KafkaConnectionOptions) {
    this.name = name;
    this.settings = settings;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#labels = { endpoint: name };
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
    return this.#status;
  }

  /** Notes the outcome of a request to the brokers (sources report theirs too). */
  report(error?: unknown): void {
    const up = error === undefined;
    if (up === this.#status.up && (up || this.#status.error !== undefined)) return;
    if (!up && this.#status.up) {
      this.#logger.log("warn", "Kafka unavailable", { error: describeKafkaError(error) });
    } else if (up && this.#status.error !== undefined) {
      this.#logger.log("info", "Kafka available again", {
        downMs: Date.now() - this.#status.since,
      });
    }
    this.#status = up ? { up: true, since: Date.now() } : {
      up: false,
      since: this.#status.up ? Date.now() : this.#status.since,
      error: describeKafkaError(error),
    };
  }

  /** A consumer of this endpoint in `group` (closed with the connection). */
  consumer(
    group: string,
    options: { sessionTimeout: number; heartbeatInterval: number },
  ): Consumer {
    if (this.#closing) {
      throw new ConnectorError("connector_closed", `Connection "${this.name}" is closed`);
    }
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
    if (this.#closing) {
      throw new ConnectorError("connector_closed", `Connection "${this.name}" is closed`);
    }
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
        this.#closing ? "connector_closed" : "connector_refused",
        `Producing to ${topics} on "${this.name}" failed: ${describeKafkaError(error)}`,
        { cause: error },
      );
    }
  }

  /** Closes the producer and every consumer; waiting sends fail with `connector_closed`. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#batcher.close(
      new ConnectorError("connector_closed", `Connection "${this.name}" is closed`),
    );
    const consumers = [...this.#consumers];
    this.#consumers.clear();
    await Promise.allSettled([
      this.#producer?.close(true),
      ...consumers.map((c) => c.close(true)),
    ]);
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
      this.#metrics?.add("weir_kafka_produced_total", records.length, this.#labels);
    } catch (error) {
      this.report(error);
      // A fresh producer next time: one that failed mid-sequence may stay stuck on it.
      if (this.#producer === producer) this.#producer = undefined;
      producer.close(true).catch(() => {});
      throw error;
    }
  }
}
