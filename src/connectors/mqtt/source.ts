/**
 * The MQTT source: subscribes to topic filters (optionally as a shared
 * subscription) on the endpoint's shared connection and turns each message
 * into an engine record (docs/aio-compatibility.md, "Records"). A record's time is the message's
 * `__ts` user property; a message without one, or with one that is
 * malformed or too far in the future, is stamped on arrival by the source's
 * hybrid logical clock (with a warning for a bad one). Topic, content type
 * and the other user properties travel in the record's message.
 *
 * Records reach the handler in batches, each with its acknowledgement (see
 * `client.ts` for how a QoS 1 PUBACK waits for it).
 *
 * @module
 */
import { dataTimestampOf, type Hlc, HlcClock, type Message, parseHlc } from "../../base/mod.ts";
import type { Rec } from "../../engine/mod.ts";
import { type Logger, LogThrottle, type Metrics } from "../../telemetry/mod.ts";
import type { Source, SourceHandler } from "../contract.ts";
import { deliverBatch } from "../factories.ts";
import { ConnectorError } from "../errors.ts";
import type { Lease } from "../pool.ts";
import type { MqttConnection, Subscription } from "./client.ts";
import type { InboundMessage } from "./inbound.ts";
import { filterProblem } from "../../base/mod.ts";

/** The user property that carries a message's HLC (docs/aio-compatibility.md, "Records"). */
export const TIMESTAMP_PROPERTY = "__ts";

const encoder = new TextEncoder();

/** Options for {@linkcode MqttSource}. */
export interface MqttSourceOptions {
  /** Topic filters. */
  readonly topics: readonly string[];
  /** Subscribe as `$share/<group>/<filter>`. */
  readonly sharedGroup?: string;
  /** The HLC node id of arrival stamps. @default "weir" */
  readonly node?: string;
  /** The most records per batch. @default 1024 */
  readonly maxBatch?: number;
  /** QoS 0 messages held beyond this are dropped (QoS 1 is bounded by the broker's Receive Maximum). @default 65536 */
  readonly maxBuffered?: number;
  /** How far ahead of the wall clock a `__ts` may be and still be taken. @default 60000 */
  readonly maxClockDriftMs?: number;
  /** The clock for arrival stamps (tests). @default a new HlcClock(node, maxClockDriftMs) */
  readonly clock?: HlcClock;
  /** Labels of the source's metrics (the gateway names the dataflow). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly metrics?: Metrics;
}

/** A record made from a message, and what was wrong with its `__ts`, if anything. */
export interface Converted {
  readonly record: Rec;
  /** Why the message was stamped on arrival although it had a `__ts`. */
  readonly warning?: string;
}

/**
 * Turns a received message into a record: the time from `__ts` (merged
 * into `clock`), else an arrival stamp from `clock`.
 */
export function messageToRecord(message: InboundMessage, clock: HlcClock): Converted {
  let time: Hlc | undefined;
  let warning: string | undefined;
  const userProperties: Array<readonly [string, string]> = [];
  let stamp: string | undefined;
  for (const pair of message.userProperties) {
    if (pair[0] === TIMESTAMP_PROPERTY) stamp ??= pair[1];
    else userProperties.push(pair);
  }
  if (stamp !== undefined) {
    const parsed = parseHlc(stamp);
    warning = typeof parsed === "string" ? parsed : clock.distrust(parsed);
    if (warning === undefined) {
      clock.update(parsed as Hlc);
      time = parsed as Hlc;
    }
  }
  time ??= clock.updateNow();
  const data: Message = {
    kind: "message",
    timestamp: dataTimestampOf(time),
    topic: encoder.encode(message.topic),
    contentType: message.contentType,
    payload: message.payload,
    userProperties,
    schema: null,
  };
  return warning === undefined ? { record: { time, data } } : { record: { time, data }, warning };
}

/** Subscribes on a shared connection and hands batches of records to a handler. */
export class MqttSource implements Source {
  readonly #lease: Lease<MqttConnection>;
  readonly #options: MqttSourceOptions;
  readonly #clock: HlcClock;
  readonly #maxBatch: number;
  readonly #maxBuffered: number;
  #records: Rec[] = [];
  #acks: Array<() => void> = [];
  #handler: SourceHandler | undefined;
  #subscription: Subscription | undefined;
  #running: Promise<void> | undefined;
  #pumping = false;
  #closed = false;
  readonly #arrived: () => void;
  readonly #labels: Readonly<Record<string, string>>;
  /** Warnings of each kind: the first at once, then a count per interval. */
  readonly #warnings: LogThrottle;
  #dropped = 0;

  /**
   * Makes a source on a leased connection (released by `close`).
   *
   * @throws {ConnectorError} code `connector_config` for an unusable topic filter or group.
   */
  constructor(lease: Lease<MqttConnection>, options: MqttSourceOptions) {
    const problems = options.topics.length === 0
      ? ["no topic filters"]
      : options.topics.flatMap((t) => {
        const p = filterProblem(t);
        return p === undefined ? [] : [`topic filter "${t}": expected ${p}`];
      });
    if (options.sharedGroup !== undefined && !/^[^/+#\s]+$/.test(options.sharedGroup)) {
      problems.push(`shared group "${options.sharedGroup}" holds "/", "+", "#" or a space`);
    }
    if (problems.length > 0) {
      throw new ConnectorError("connector_config", `MQTT source: ${problems.join("; ")}`);
    }
    this.#lease = lease;
    this.#options = options;
    this.#clock = options.clock ??
      new HlcClock(
        options.node ?? "weir",
        options.maxClockDriftMs === undefined ? {} : { maxDriftMs: options.maxClockDriftMs },
      );
    this.#labels = { endpoint: lease.value.name, ...options.labels };
    this.#warnings = new LogThrottle(options.logger);
    this.#maxBatch = options.maxBatch ?? 1024;
    this.#maxBuffered = options.maxBuffered ?? 65_536;
    // Messages the broker resends before start() wait for this source (see inbound.ts).
    this.#arrived = lease.value.expectSubscriber();
  }

  /** The connection this source uses. */
  get connection(): MqttConnection {
    return this.#lease.value;
  }

  /** Records received and not yet handed to the handler. */
  get buffered(): number {
    return this.#records.length;
  }

  /** QoS 0 messages dropped because the handler fell behind. */
  get dropped(): number {
    return this.#dropped;
  }

  async start(handler: SourceHandler): Promise<void> {
    if (this.#closed) throw new ConnectorError("connector_closed", "MQTT source is closed");
    if (this.#handler !== undefined) throw new Error("MQTT source is already started");
    this.#handler = handler;
    const options = this.#options;
    try {
      this.#subscription = await this.#lease.value.subscribe(
        options.sharedGroup === undefined
          ? { topics: options.topics }
          : { topics: options.topics, sharedGroup: options.sharedGroup },
        (message) => this.#receive(message),
      );
    } finally {
      this.#arrived();
    }
    if (this.#closed) this.#subscription.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#arrived();
    this.#subscription?.close();
    this.#warnings.close();
    this.#records = [];
    this.#acks = [];
    try {
      await this.#running;
    } finally {
      await this.#lease.release();
    }
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #receive(message: InboundMessage): void {
    if (this.#closed) return;
    const metrics = this.#options.metrics;
    if (message.qos === 0 && this.#records.length >= this.#maxBuffered) {
      this.#dropped++;
      metrics?.add("weir_mqtt_source_dropped_total", 1, this.#labels);
      this.#warn("behind", "source is behind, dropped a QoS 0 message", message.topic);
      return;
    }
    let converted: Converted;
    try {
      converted = messageToRecord(message, this.#clock);
    } catch (error) {
      // Nothing about one message may hold back the next: acknowledge, count and say why.
      message.ack();
      metrics?.add("weir_source_undecodable_total", 1, this.#labels);
      this.#warn(
        "undecodable",
        `message could not be read and was dropped: ${String(error)}`,
        message.topic,
      );
      return;
    }
    if (converted.warning !== undefined) {
      metrics?.add("weir_source_restamped_total", 1, this.#labels);
      this.#warn("restamped", `message stamped on arrival: ${converted.warning}`, message.topic);
    }
    this.#records.push(converted.record);
    this.#acks.push(message.ack);
    if (!this.#pumping) {
      this.#pumping = true;
      this.#running = this.#pump();
    }
  }

  async #pump(): Promise<void> {
    try {
      await undefined; // let messages of the same turn join the first batch
      while (this.#records.length > 0 && !this.#closed) {
        const records = this.#records.splice(0, this.#maxBatch);
        const acks = this.#acks.splice(0, this.#maxBatch);
        await deliverBatch(this.#handler!, { records, acks }, {
          ...this.#options,
          labels: this.#labels,
        });
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** The first warning of a kind at once; repeats are summarised with a count. */
  #warn(kind: string, message: string, topic: string): void {
    this.#warnings.log(kind, "warn", message, { topic });
  }
}
