/**
 * The Kafka source: a consumer in the endpoint's consumer group (default
 * `weir-<dataflow>`) reading its topics from the committed offsets (the
 * earliest when the group has none), handing records to the handler in
 * batches, in order per partition. Offsets are committed, per partition,
 * only up to the lowest record not yet acknowledged (`offsets.ts`), a few
 * times a second and whenever the group rebalances, so a crash or a
 * rebalance loses nothing: what was not committed is delivered again — with
 * the same time, hence the same output ids (`records.ts`). Records the
 * consumer fetches again while this source still owns their partition (after
 * a rejoin) are skipped: they are in flight or done already.
 *
 * Gateways in one group split the partitions; a second one joining (or one
 * leaving) rebalances them. The consumer's lag (records behind the end of
 * each topic) is the gauge `weir_kafka_consumer_lag`.
 *
 * @module
 */
import { HlcClock } from "../../base/mod.ts";
import type { Consumer, Message, MessagesStream } from "@platformatic/kafka";
import type { Buffer } from "node:buffer";
import type { Rec } from "../../engine/mod.ts";
import type { Logger, Metrics } from "../../telemetry/mod.ts";
import type { Source, SourceHandler } from "../contract.ts";
import { deliverBatch } from "../factories.ts";
import { ConnectorError } from "../errors.ts";
import type { Lease } from "../pool.ts";
import type { KafkaConnection } from "./client.ts";
import { describeKafkaError, isUnreachable } from "./errors.ts";
import { OffsetTracker } from "./offsets.ts";
import { kafkaToRecord } from "./records.ts";

/** Options for {@linkcode KafkaSource}. */
export interface KafkaSourceOptions {
  /** Kafka topic names. */
  readonly topics: readonly string[];
  /** The consumer group. */
  readonly group: string;
  /** The HLC node id of arrival stamps. @default "weir" */
  readonly node?: string;
  /** The most records per batch. @default 1024 */
  readonly maxBatch?: number;
  /** Records held beyond this pause fetching. @default 8192 */
  readonly maxBuffered?: number;
  /** How far ahead of the wall clock a record's time may be. @default 60000 */
  readonly maxClockDriftMs?: number;
  /** How often moved commit points are committed. @default 200 */
  readonly commitIntervalMs?: number;
  /** The group session timeout: how soon a dead member's partitions move. @default 10000 */
  readonly sessionTimeoutMs?: number;
  /** How often the lag is measured. @default 5000 */
  readonly lagIntervalMs?: number;
  /** Labels of the source's metrics. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
}

type KafkaMessage = Message<Buffer, Buffer, Buffer, Buffer>;

/** Reads topics in a consumer group and hands batches of records to a handler. */
export class KafkaSource implements Source {
  readonly #lease: Lease<KafkaConnection>;
  readonly #o: KafkaSourceOptions;
  readonly #clock: HlcClock;
  readonly #offsets = new OffsetTracker();
  readonly #labels: Readonly<Record<string, string>>;
  #consumer: Consumer | undefined;
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  #handler: SourceHandler | undefined;
  #records: Rec[] = [];
  #acks: Array<() => void> = [];
  /** The partition (`topic\u0000partition`) of each buffered record. */
  #places: string[] = [];
  /** Per partition, one past the last record handed on (to skip records fetched again). */
  readonly #next = new Map<string, bigint>();
  /** Per topic, records behind the end of the log at the last measurement. */
  readonly #lag = new Map<string, number>();
  #pumping: Promise<void> | undefined;
  #commitTimer: ReturnType<typeof setInterval> | undefined;
  #committing: Promise<void> | undefined;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #closed = false;
  #lastWarning = 0;

  /**
   * Makes a source on a leased connection (released by `close`).
   *
   * @throws {ConnectorError} code `connector_config` for no topics.
   */
  constructor(lease: Lease<KafkaConnection>, options: KafkaSourceOptions) {
    if (options.topics.length === 0) {
      throw new ConnectorError("connector_config", "Kafka source: no topics");
    }
    this.#lease = lease;
    this.#o = options;
    this.#clock = new HlcClock(
      options.node ?? "weir",
      options.maxClockDriftMs === undefined ? {} : { maxDriftMs: options.maxClockDriftMs },
    );
    this.#labels = { endpoint: lease.value.name, ...options.labels };
  }

  /** Records received and not yet handed to the handler. */
  get buffered(): number {
    return this.#records.length;
  }

  /** Records behind the end of the log over every topic, from the last lag measurement. */
  get lag(): number | undefined {
    if (this.#lag.size === 0) return undefined;
    let behind = 0;
    for (const n of this.#lag.values()) behind += n;
    return behind;
  }

  /** Records handed on and not acknowledged yet. */
  get unacknowledged(): number {
    return this.#offsets.unacknowledged;
  }

  /** The partitions this source reads now (topic → partitions). */
  get assignments(): ReadonlyArray<{ readonly topic: string; readonly partitions: number[] }> {
    return this.#consumer?.assignments ?? [];
  }

  /**
   * Joins the group and starts delivering. Resolves once the group is joined;
   * if the brokers cannot be reached it resolves at once and keeps trying.
   *
   * @throws {ConnectorError} `connector_refused` when the brokers refuse (unknown topic, credentials).
   */
  async start(handler: SourceHandler): Promise<void> {
    if (this.#closed) throw new ConnectorError("connector_closed", "Kafka source is closed");
    if (this.#handler !== undefined) throw new Error("Kafka source is already started");
    this.#handler = handler;
    this.#commitTimer = setInterval(() => void this.#commit(), this.#o.commitIntervalMs ?? 200);
    try {
      await this.#open();
    } catch (error) {
      if (!isUnreachable(error)) {
        clearInterval(this.#commitTimer);
        throw new ConnectorError(
          "connector_refused",
          `Consuming ${this.#topicList()} on "${this.#lease.value.name}" as group "${this.#o.group}" failed: ${
            describeKafkaError(error)
          }`,
          { cause: error },
        );
      }
      this.#lease.value.report(error);
      this.#o.logger.log("warn", "Kafka unreachable; the source keeps trying", {
        error: describeKafkaError(error),
      });
    }
    this.#running = this.#keepReading();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#commitTimer);
    this.#wake?.();
    this.#records = [];
    this.#acks = [];
    this.#places = [];
    try {
      await this.#pumping;
      await this.#commit();
      await this.#stream?.close().catch(() => {});
      if (this.#consumer) await this.#lease.value.releaseConsumer(this.#consumer);
      await this.#running;
    } finally {
      await this.#lease.release();
    }
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #topicList(): string {
    return this.#o.topics.map((t) => `"${t}"`).join(", ");
  }

  async #open(): Promise<void> {
    const connection = this.#lease.value;
    const session = this.#o.sessionTimeoutMs ?? 10_000;
    const consumer = this.#consumer ??= connection.consumer(this.#o.group, {
      sessionTimeout: session,
      heartbeatInterval: Math.max(100, Math.floor(session / 10)),
    });
    consumer.on("consumer:group:join", () => this.#onJoin());
    consumer.on("consumer:group:rebalance", () => void this.#commit());
    const stream = await consumer.consume({
      topics: [...this.#o.topics],
      mode: "committed",
      fallbackMode: "earliest",
      autocommit: false,
    });
    connection.report();
    this.#stream = stream;
    // #keepReading reopens the stream after an error; this keeps a second one from going unhandled.
    stream.on("error", () => {});
    stream.on("data", (message: KafkaMessage) => this.#receive(message));
    this.#measureLag(consumer);
  }

  /** Reopens the stream whenever it ends without close(). */
  async #keepReading(): Promise<void> {
    let backoff = 1000;
    while (!this.#closed) {
      const stream = this.#stream;
      if (stream !== undefined) {
        const error = await new Promise<unknown>((resolve) => {
          this.#wake = () => resolve(undefined);
          stream.once("error", resolve);
          stream.once("close", () => resolve(undefined));
        });
        if (this.#closed) return;
        this.#stream = undefined;
        this.#lease.value.report(error ?? new Error("consumer stream closed"));
        this.#warn("Kafka consumer stopped; reopening", error);
        await stream.close().catch(() => {});
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.#closed) return;
      try {
        await this.#open();
        backoff = 1000;
      } catch (error) {
        this.#lease.value.report(error);
        this.#warn("Kafka consumer could not start; retrying", error);
        backoff = Math.min(backoff * 2, 15_000);
      }
    }
  }

  /** After a rebalance: forget partitions that went elsewhere. */
  #onJoin(): void {
    const owned = new Set<string>();
    for (const a of this.#consumer?.assignments ?? []) {
      for (const p of a.partitions) owned.add(`${a.topic}\u0000${p}`);
    }
    this.#offsets.forget((topic, partition) => owned.has(`${topic}\u0000${partition}`));
    for (const key of [...this.#next.keys()]) if (!owned.has(key)) this.#next.delete(key);
    // Records of lost partitions waiting here go to their new owner from the committed offset.
    if (this.#records.length > 0) {
      const kept = this.#places.map((place, i) => owned.has(place) ? i : -1).filter((i) => i >= 0);
      this.#records = kept.map((i) => this.#records[i]!);
      this.#acks = kept.map((i) => this.#acks[i]!);
      this.#places = kept.map((i) => this.#places[i]!);
    }
    this.#o.logger.log("info", "Kafka partitions assigned", {
      group: this.#o.group,
      partitions: [...owned].map((k) => k.replace("\u0000", ":")),
    });
  }

  #receive(message: KafkaMessage): void {
    if (this.#closed) return;
    const key = `${message.topic}\u0000${message.partition}`;
    const next = this.#next.get(key);
    if (next !== undefined && message.offset < next) return; // in flight or done already
    this.#next.set(key, message.offset + 1n);
    const ack = this.#offsets.track(
      message.topic,
      message.partition,
      message.offset,
      message.leaderEpoch ?? -1,
    );
    let record: Rec;
    try {
      const converted = kafkaToRecord(message, this.#clock);
      if (converted.warning !== undefined) {
        this.#o.metrics?.add("weir_source_restamped_total", 1, this.#labels);
        this.#warn("record stamped on arrival", converted.warning);
      }
      record = converted.record;
    } catch (error) {
      ack();
      this.#o.metrics?.add("weir_source_undecodable_total", 1, this.#labels);
      this.#warn("record could not be read and was dropped", error);
      return;
    }
    this.#o.metrics?.add("weir_kafka_consumed_total", 1, this.#labels);
    this.#records.push(record);
    this.#acks.push(ack);
    this.#places.push(key);
    if (this.#records.length >= (this.#o.maxBuffered ?? 8192)) this.#stream?.pause();
    this.#pumping ??= this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      await undefined; // records of the same turn join the first batch
      const max = this.#o.maxBatch ?? 1024;
      while (this.#records.length > 0 && !this.#closed) {
        const records = this.#records.splice(0, max);
        const acks = this.#acks.splice(0, max);
        this.#places.splice(0, max);
        if (this.#stream?.isPaused() && this.#records.length < (this.#o.maxBuffered ?? 8192) / 2) {
          this.#stream.resume();
        }
        await deliverBatch(this.#handler!, { records, acks }, { ...this.#o, labels: this.#labels });
      }
    } finally {
      this.#pumping = undefined;
    }
  }

  /** Commits the commit points that moved, one commit at a time. */
  #commit(): Promise<void> {
    if (this.#committing) return this.#committing;
    const consumer = this.#consumer;
    const due = this.#offsets.due();
    if (consumer === undefined || due.length === 0) return Promise.resolve();
    this.#committing = consumer.commit({ offsets: due }).then(
      () => {
        for (const point of due) this.#offsets.committed(point);
        this.#o.metrics?.add("weir_kafka_commits_total", 1, this.#labels);
      },
      (error) => {
        // A rebalance or an outage: the points stay due and go with a later commit.
        this.#warn("Kafka commit failed; retrying", error);
      },
    ).finally(() => (this.#committing = undefined));
    return this.#committing;
  }

  #measureLag(consumer: Consumer): void {
    consumer.on("consumer:lag", (lag) => {
      for (const [topic, partitions] of lag) {
        let behind = 0n;
        for (const p of partitions) if (p > 0n) behind += p;
        this.#lag.set(topic, Number(behind));
        this.#o.metrics?.set("weir_kafka_consumer_lag", Number(behind), { ...this.#labels, topic });
      }
    });
    consumer.on("consumer:lag:error", () => {});
    consumer.startLagMonitoring({ topics: [...this.#o.topics] }, this.#o.lagIntervalMs ?? 5000);
  }

  /** Warnings at most once a second. */
  #warn(message: string, error: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarning < 1000) return;
    this.#lastWarning = now;
    this.#o.logger.log("warn", message, {
      group: this.#o.group,
      error: typeof error === "string" ? error : describeKafkaError(error),
    });
  }
}
