/**
 * Routing of received PUBLISHes to a connection's local subscribers, with
 * the acknowledgement bookkeeping: each QoS 1 message gets an
 * {@linkcode AckTicket} held once per subscriber it goes to. A message goes
 * to every subscriber one of whose filters matches its topic (a shared
 * filter matches as the filter after `$share/<group>/`), so two sources of
 * one endpoint with overlapping filters may both get a message, and get it
 * twice if the broker sends one copy per subscription.
 *
 * Messages for no current subscriber (the broker resends a session's
 * messages right after CONNACK, before the sources are back) are parked,
 * unacknowledged, until a subscriber for them appears. A source announces
 * itself when it is made ({@linkcode InboundRouter.expect}), long before it
 * subscribes (the gateway builds the graph in between); while any announced
 * source has not subscribed, parked messages wait however long that takes.
 * Once none is pending, messages still parked `parkMs` later belong to no
 * source (a subscription the session kept from an earlier configuration):
 * they are acknowledged and dropped, with a warning. Parked messages are
 * unacknowledged, so the broker's Receive Maximum bounds them.
 *
 * @module
 */
import type { IPublishPacket } from "mqtt";
import type { Logger, Metrics } from "../../telemetry/mod.ts";
import type { AckSequencer, AckTicket } from "./ack_sequencer.ts";
import { topicMatches } from "../../base/mod.ts";

/** A received message as a subscriber sees it. */
export interface InboundMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  /** The broker sends it again (after a reconnect). */
  readonly duplicate: boolean;
  readonly contentType: string | null;
  /** MQTT 5 user properties, in order (names may repeat); empty for 3.1.1. */
  readonly userProperties: ReadonlyArray<readonly [string, string]>;
  /** Releases this subscriber's hold on the message (QoS 1); idempotent; a no-op for QoS 0. */
  ack(): void;
}

/** Receives messages; runs inside mqtt.js' input, so it must only queue. */
export type InboundHandler = (message: InboundMessage) => void;

interface Subscriber {
  readonly filters: readonly string[];
  readonly handler: InboundHandler;
}

interface Parked {
  readonly packet: IPublishPacket;
  readonly ticket: AckTicket | undefined;
  readonly at: number;
}

/** Options for {@linkcode InboundRouter}. */
export interface InboundRouterOptions {
  /** The endpoint name, for metrics. */
  readonly name: string;
  readonly acks: AckSequencer;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** How long a message for no subscriber waits for one. */
  readonly parkMs: number;
}

function userPropertyPairs(packet: IPublishPacket): Array<readonly [string, string]> {
  const props = packet.properties?.userProperties;
  if (props === undefined) return [];
  const out: Array<readonly [string, string]> = [];
  for (const [key, value] of Object.entries(props)) {
    if (Array.isArray(value)) { for (const v of value) out.push([key, String(v)]); }
    else out.push([key, String(value)]);
  }
  return out;
}

/** Local subscribers of one connection and the messages waiting for one. */
export class InboundRouter {
  readonly #options: InboundRouterOptions;
  readonly #labels: { endpoint: string };
  readonly #subscribers = new Set<Subscriber>();
  #parked: Parked[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #expected = 0;
  #settledAt = Date.now();

  /** A router with no subscribers. */
  constructor(options: InboundRouterOptions) {
    this.#labels = { endpoint: options.name };
    this.#options = options;
  }

  /**
   * Announces a subscriber to come: parked messages wait for it, however
   * long. Returns the call that withdraws the announcement (once it has
   * subscribed, or given up); later calls do nothing.
   */
  expect(): () => void {
    this.#expected++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#expected--;
      if (this.#expected === 0) {
        this.#settledAt = Date.now();
        this.#schedule(this.#options.parkMs);
      }
    };
  }

  /** Sources announced and not yet subscribed. */
  get expected(): number {
    return this.#expected;
  }

  /** Messages waiting for a subscriber. */
  get parked(): number {
    return this.#parked.length;
  }

  /** Adds a subscriber (and hands it the parked messages it matches); returns its removal. */
  add(filters: readonly string[], handler: InboundHandler): () => void {
    const subscriber: Subscriber = { filters: [...filters], handler };
    this.#subscribers.add(subscriber);
    this.#unpark(subscriber);
    return () => void this.#subscribers.delete(subscriber);
  }

  /** Routes one received message; `deferred` when its PUBACK waits for the subscribers. */
  route(packet: IPublishPacket, deferred: boolean): void {
    this.#options.metrics?.add("weir_mqtt_received_total", 1, this.#labels);
    const targets = [...this.#subscribers].filter((s) =>
      s.filters.some((f) => topicMatches(f, packet.topic))
    );
    const acks = this.#options.acks;
    const ticket = deferred ? acks.open(packet.messageId!, targets.length || 1) : undefined;
    if (targets.length === 0) {
      this.#park({ packet, ticket, at: Date.now() });
      return;
    }
    for (const target of targets) this.#deliver(target, packet, ticket);
  }

  /** Forgets parked messages (the connection they came on is gone; the broker resends them). */
  dropParked(): void {
    this.#parked = [];
  }

  /** Removes every subscriber and parked message, and stops the park timer. */
  close(): void {
    this.#subscribers.clear();
    this.#parked = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Hands a message to a subscriber. A throwing handler is logged, never thrown into mqtt.js,
   * and its hold is released: one message a subscriber cannot take must not hold back the
   * acknowledgements of every later one.
   */
  #deliver(target: Subscriber, packet: IPublishPacket, ticket: AckTicket | undefined): void {
    const message = this.#message(packet, ticket);
    try {
      target.handler(message);
    } catch (error) {
      message.ack();
      this.#options.metrics?.add("weir_mqtt_subscriber_failures_total", 1, this.#labels);
      this.#options.logger.log("error", "subscriber failed on a message; acknowledged", {
        topic: packet.topic,
        error,
      });
    }
  }

  #message(packet: IPublishPacket, ticket: AckTicket | undefined): InboundMessage {
    let done = false;
    const payload = packet.payload;
    const acks = this.#options.acks;
    return {
      topic: packet.topic,
      payload: typeof payload === "string"
        ? new TextEncoder().encode(payload)
        : new Uint8Array(payload), // a copy: mqtt.js' buffer may be a view of a socket chunk
      qos: packet.qos,
      duplicate: packet.dup,
      contentType: packet.properties?.contentType ?? null,
      userProperties: userPropertyPairs(packet),
      ack: () => {
        if (done || ticket === undefined) return;
        done = true;
        acks.release(ticket);
      },
    };
  }

  #park(entry: Parked): void {
    this.#parked.push(entry);
    this.#schedule(this.#options.parkMs);
  }

  /** Runs the expiry in `ms` unless one is due already or a subscriber is still expected. */
  #schedule(ms: number): void {
    if (this.#timer !== undefined || this.#expected > 0 || this.#parked.length === 0) return;
    this.#timer = setTimeout(() => this.#expireParked(), Math.max(ms, 10));
  }

  #unpark(subscriber: Subscriber): void {
    if (this.#parked.length === 0) return;
    const kept: Parked[] = [];
    for (const entry of this.#parked) {
      if (subscriber.filters.some((f) => topicMatches(f, entry.packet.topic))) {
        if (entry.ticket !== undefined) {
          this.#options.acks.hold(entry.ticket);
          this.#options.acks.release(entry.ticket); // the park's own hold
        }
        this.#deliver(subscriber, entry.packet, entry.ticket);
      } else {
        kept.push(entry);
      }
    }
    this.#parked = kept;
  }

  #expireParked(): void {
    this.#timer = undefined;
    if (this.#expected > 0) return; // rescheduled when the last expected subscriber is in
    const { parkMs, logger, metrics, name, acks } = this.#options;
    const cutoff = Date.now() - parkMs;
    // Waiting counts from arrival, or from when the last expected subscriber came, if later.
    const since = (e: Parked) => Math.max(e.at, this.#settledAt);
    const expired = this.#parked.filter((e) => since(e) <= cutoff);
    this.#parked = this.#parked.filter((e) => since(e) > cutoff);
    if (expired.length > 0) {
      logger.log("warn", "dropped messages no subscriber took", {
        count: expired.length,
        topic: expired[0]!.packet.topic,
      });
      metrics?.add("weir_mqtt_unrouted_total", expired.length, { endpoint: name });
      for (const e of expired) if (e.ticket !== undefined) acks.release(e.ticket);
    }
    if (this.#parked.length > 0) this.#schedule(since(this.#parked[0]!) + parkMs - Date.now());
  }
}
