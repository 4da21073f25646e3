/**
 * One MQTT connection per endpoint (mqtt.js 5), shared by every source and
 * sink of that endpoint: MQTT 5 by default or 3.1.1, TLS, credentials from a
 * file or the environment, a persistent session, automatic reconnects.
 *
 * ## QoS 1: acknowledging only after the work is done
 *
 * mqtt.js has no `manualAck` option. What it has (read in its 5.16.0
 * source, `lib/handlers/publish.js`): for a QoS 1 PUBLISH it emits
 * `message`, then calls `client.handleMessage(packet, callback)`, and sends
 * the PUBACK only when that callback is called *without* an error. The
 * documented use of `handleMessage` — holding the callback until the work is
 * done — stalls the client's whole input (no other PUBLISH, PUBACK for our
 * own publishes or PINGRESP is read meanwhile), so it allows one message in
 * flight and deadlocks a sink that shares the connection.
 *
 * So this connection answers `handleMessage` at once with the
 * {@linkcode DEFERRED} marker: mqtt.js then sends no PUBACK and goes on
 * reading. Each such message gets an {@linkcode AckTicket}; the subscribers
 * it is delivered to each hold it, and release their hold through the
 * message's `ack()`. When every hold on a message *and on every message
 * received before it* is released, the connection writes the PUBACK itself
 * (`_sendPacket`, mqtt.js' internal send, the one its own handler uses),
 * so PUBACKs keep the arrival order the protocol requires. Unacknowledged
 * messages bound themselves: with MQTT 5 the broker sends at most
 * `receiveMaximum` of them. If the connection drops first, the tickets go
 * stale (nothing is sent on the new connection); with a persistent session
 * (`sessionExpirySeconds` > 0, Clean Start 0) the broker sends those
 * messages again, marked as duplicates: at-least-once. With a clean session
 * they are gone.
 *
 * Subscriptions are this connection's own business, not mqtt.js': a
 * subscription asked for while the broker is away (at start, before it is
 * up) is made when the connection comes up, and again on every connect whose
 * session the broker did not keep. Reconnects back off from 1 s, doubling up
 * to a cap, and start again from 1 s once connected.
 *
 * Routing to the sources and parking of messages that arrive before their
 * source is back: `inbound.ts`.
 *
 * @module
 */
import { defined } from "../../base/mod.ts";
import { Buffer } from "node:buffer";
import process from "node:process";
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import type { OutboundMessage } from "../contract.ts";
import { ConnectorError } from "../errors.ts";
import { type ConnectionOptions, EndpointConnection } from "../endpoint_connection.ts";
import type { ConnectionStatus } from "../pool.ts";
import { AckSequencer } from "./ack_sequencer.ts";
import { type InboundHandler, InboundRouter } from "./inbound.ts";
import { type MqttEndpointSettings, readSecrets } from "./settings.ts";
import { Slots } from "./slots.ts";

/** The most publishes in flight on one connection (mqtt.js adds a listener per waiting publish beyond about 1,000). */
export const MAX_IN_FLIGHT = 500;

/** Handed to mqtt.js' `handleMessage` callback so that it sends no PUBACK now. */
export const DEFERRED: Error = new Error("PUBACK deferred until the message is processed");

/** Options for {@linkcode MqttConnection}. */
export interface MqttConnectionOptions extends ConnectionOptions {
  /** Publishes in flight at most (1 … 500). @default 500 */
  readonly maxInFlight?: number;
  /** First pause between reconnect attempts; it doubles per failed attempt. @default 1000 */
  readonly reconnectPeriodMs?: number;
  /** The longest pause between reconnect attempts. @default 15000 */
  readonly maxReconnectPeriodMs?: number;
  /** How long a connect attempt may take. @default 30000 */
  readonly connectTimeoutMs?: number;
  /** How long a message for no subscriber waits for one. @default 10000 */
  readonly parkMs?: number;
}

/** What {@linkcode MqttConnection.subscribe} subscribes to. */
export interface SubscribeOptions {
  /** Topic filters. */
  readonly topics: readonly string[];
  /** Subscribe as `$share/<group>/<filter>`. */
  readonly sharedGroup?: string;
}

/** A local subscription; closing it stops delivery (the broker keeps the session's subscription). */
export interface Subscription {
  close(): void;
}

/** The mqtt.js internals this file relies on (pinned mqtt@5.16.0; the tests cover them). */
interface ClientInternals {
  handleMessage(packet: IPublishPacket, callback: (error?: Error) => void): void;
  _sendPacket(packet: { cmd: "puback"; messageId: number; reasonCode: number }): void;
}

/** MQTT 5 user properties as mqtt.js wants them: repeated names become lists. */
export function userPropertyObject(
  pairs: ReadonlyArray<readonly [string, string]>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of pairs) {
    const had = out[key];
    if (had === undefined) out[key] = value;
    else if (Array.isArray(had)) had.push(value);
    else out[key] = [had, value];
  }
  return out;
}

/** One client to one broker, shared by the endpoint's sources and sinks. */
export class MqttConnection extends EndpointConnection<MqttEndpointSettings> {
  readonly #client: MqttClient;
  readonly #acks: AckSequencer;
  readonly #router: InboundRouter;
  readonly #slots: Slots;
  readonly #filterUsers = new Map<string, number>();
  /** Broker filters subscribed in the current session. */
  readonly #granted = new Set<string>();
  readonly #pending = new Set<(error: Error) => void>();
  readonly #reconnect: { readonly min: number; readonly max: number };
  #everConnected = false;
  #outage: { since: number; errors: number; error?: string } | undefined;
  #upSince = 0;
  #createdAt = Date.now();
  /** Subscribes run one after another, so a filter is never asked for twice at once. */
  #subscribing: Promise<void> = Promise.resolve();
  /** Settles once the first connect attempt succeeded or failed. */
  readonly #firstAttempt: Promise<void>;
  #firstAttemptDone: () => void = () => {};
  #connectWaiters: Array<() => void> = [];

  /**
   * Opens the connection (mqtt.js connects in the background and reconnects on its own).
   *
   * @throws {ConnectorError} code `connector_config` when a secret or TLS file is missing.
   */
  constructor(name: string, settings: MqttEndpointSettings, options: MqttConnectionOptions) {
    const maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
    if (!(maxInFlight >= 1 && maxInFlight <= MAX_IN_FLIGHT)) {
      throw new RangeError(`maxInFlight "${maxInFlight}" must be from 1 to ${MAX_IN_FLIGHT}`);
    }
    super(name, settings, options);
    this.#slots = new Slots(maxInFlight);
    this.#acks = new AckSequencer((messageId) => this.#sendPuback(messageId));
    this.#router = new InboundRouter({
      name,
      acks: this.#acks,
      logger: options.logger,
      ...defined({ metrics: options.metrics }),
      parkMs: options.parkMs ?? 10_000,
    });
    this.#reconnect = {
      min: options.reconnectPeriodMs ?? 1000,
      max: Math.max(options.reconnectPeriodMs ?? 1000, options.maxReconnectPeriodMs ?? 15_000),
    };
    const secrets = readSecrets(name, settings, options.env ?? ((n) => process.env[n]));
    const v5 = settings.protocol === "5";
    const clientOptions: IClientOptions = {
      protocolVersion: v5 ? 5 : 4,
      clientId: settings.clientId,
      clean: settings.sessionExpirySeconds === 0,
      keepalive: settings.keepAliveSeconds,
      reconnectPeriod: this.#reconnect.min,
      connectTimeout: options.connectTimeoutMs ?? 30_000,
      resubscribe: false, // this connection resubscribes itself (see above)
      manualConnect: true,
      ...(v5
        ? {
          properties: {
            sessionExpiryInterval: settings.sessionExpirySeconds,
            receiveMaximum: settings.receiveMaximum,
          },
        }
        : {}),
      ...defined({ username: secrets.username }),
      ...defined({ password: secrets.password }),
      ...(secrets.ca === undefined ? {} : { ca: Buffer.from(secrets.ca) }),
      ...(secrets.cert === undefined ? {} : { cert: Buffer.from(secrets.cert) }),
      ...(secrets.key === undefined ? {} : { key: Buffer.from(secrets.key) }),
      rejectUnauthorized: true,
    };
    this.#firstAttempt = new Promise((resolve) => (this.#firstAttemptDone = resolve));
    this.#client = mqtt.connect(settings.url, clientOptions);
    const internals = this.#client as unknown as ClientInternals;
    internals.handleMessage = (packet, callback) => {
      const deferred = packet.qos > 0 && packet.messageId !== undefined;
      try {
        if (!this.closing) this.#router.route(packet, deferred);
      } finally {
        callback(deferred ? DEFERRED : undefined);
      }
    };
    this.#client.on("connect", (connack) => this.#onConnect(connack.sessionPresent));
    this.#client.on("close", () => this.#onClose());
    this.#client.on("error", (error) => this.#onError(error));
    this.#client.on("disconnect", (packet) => {
      this.logger.log("warn", "broker disconnected", { reasonCode: packet.reasonCode });
    });
    this.#client.connect();
  }

  /** True while connected. */
  get connected(): boolean {
    return this.#client.connected;
  }

  /** Up or down, since when, and the last error while down. */
  status(): ConnectionStatus {
    if (this.#client.connected) return { up: true, since: this.#upSince };
    return {
      up: false,
      since: this.#outage?.since ?? this.#createdAt,
      ...(this.#outage?.error === undefined ? {} : { error: this.#outage.error }),
    };
  }

  /** Received QoS 1 messages whose PUBACK has not gone out yet. */
  get unacknowledged(): number {
    return this.#acks.pending;
  }

  /** Publishes in flight. */
  get inFlight(): number {
    return this.#slots.used;
  }

  /**
   * Announces a subscriber to come (a source made but not started yet):
   * messages that arrive for no subscriber wait for it instead of being
   * dropped after `parkMs`. Call the returned function once it subscribed or
   * gave up.
   */
  expectSubscriber(): () => void {
    return this.#router.expect();
  }

  /** Received messages waiting for a subscriber. */
  get parked(): number {
    return this.#router.parked;
  }

  /** Resolves when connected (at once if already), or when the connection is closed. */
  whenConnected(): Promise<void> {
    if (this.#client.connected) return Promise.resolve();
    return new Promise((resolve) => this.#connectWaiters.push(resolve));
  }

  /**
   * Delivers messages matching the filters to `handler` and subscribes at the
   * broker (QoS of the endpoint). It resolves once the broker granted them,
   * unless the broker cannot be reached (the first connect attempt failed or
   * the connection is down): then it resolves at once, and the subscription is
   * made when the connection comes up. The handler runs synchronously inside
   * mqtt.js' input: it must only queue.
   *
   * @throws {ConnectorError} code `connector_refused` when the broker refuses a filter.
   */
  async subscribe(
    options: SubscribeOptions,
    handler: InboundHandler,
  ): Promise<Subscription> {
    this.ensureOpen();
    const brokerFilters = options.topics.map((t) =>
      options.sharedGroup === undefined ? t : `$share/${options.sharedGroup}/${t}`
    );
    const remove = this.#router.add(options.topics, handler);
    for (const f of brokerFilters) this.#filterUsers.set(f, (this.#filterUsers.get(f) ?? 0) + 1);
    let closed = false;
    const subscription: Subscription = {
      close: () => {
        if (closed) return;
        closed = true;
        remove();
        for (const f of brokerFilters) {
          const n = (this.#filterUsers.get(f) ?? 1) - 1;
          if (n <= 0) this.#filterUsers.delete(f);
          else this.#filterUsers.set(f, n);
        }
      },
    };
    if (!this.#client.connected && !this.#everConnected) await this.#firstAttempt;
    if (!this.#client.connected) return subscription; // made on connect
    try {
      await this.#subscribeMissing();
    } catch (error) {
      subscription.close();
      throw error;
    }
    return subscription;
  }

  /**
   * Subscribes every wanted filter the current session lacks. A refusal by the
   * broker throws `connector_refused`; a connection lost meanwhile does not
   * (the next connect tries again).
   */
  #subscribeMissing(): Promise<void> {
    const run = this.#subscribing.then(() => this.#subscribeNow());
    this.#subscribing = run.catch(() => {});
    return run;
  }

  async #subscribeNow(): Promise<void> {
    const missing = [...this.#filterUsers.keys()].filter((f) => !this.#granted.has(f));
    if (missing.length === 0 || !this.#client.connected) return;
    let granted;
    try {
      granted = await this.#client.subscribeAsync(missing, { qos: this.settings.qos });
    } catch (error) {
      if (this.closing || !this.#client.connected) return;
      const reason = error instanceof Error ? error.message : String(error);
      throw this.#refused(missing, reason, error);
    }
    const refused: string[] = [];
    for (const g of granted) {
      if (g.qos >= 0x80) {
        refused.push(g.topic);
        continue;
      }
      this.#granted.add(g.topic);
      if (g.qos !== this.settings.qos) {
        this.logger.log("warn", "broker granted a lower QoS", {
          filter: g.topic,
          granted: g.qos,
          wanted: this.settings.qos,
        });
      }
    }
    if (refused.length > 0) throw this.#refused(refused, "the broker refused them");
  }

  #refused(filters: readonly string[], reason: string, cause?: unknown): ConnectorError {
    return new ConnectorError(
      this.closing ? "connector_closed" : "connector_refused",
      `Subscribing to ${
        filters.map((f) => `"${f}"`).join(", ")
      } on "${this.name}" failed: ${reason}`,
      cause === undefined ? {} : { cause },
    );
  }

  /**
   * Publishes one message with the endpoint's QoS; resolves once the broker
   * has it (PUBACK for QoS 1, written for QoS 0). Calls beyond the in-flight
   * cap wait their turn, in call order. While the broker is away the
   * publish waits for the reconnect.
   *
   * @throws {ConnectorError} `connector_refused` (PUBACK failure code) or `connector_closed`.
   */
  async publish(message: OutboundMessage): Promise<void> {
    const wait = this.#slots.acquire();
    if (wait !== undefined) await wait;
    try {
      this.ensureOpen();
      await new Promise<void>((resolve, reject) => {
        const fail = (error: Error) => {
          this.#pending.delete(fail);
          reject(error);
        };
        this.#pending.add(fail);
        const p = message.properties;
        const properties = this.settings.protocol === "5"
          ? {
            ...(p.contentType === null ? {} : { contentType: p.contentType }),
            ...(p.userProperties.length === 0
              ? {}
              : { userProperties: userPropertyObject(p.userProperties) }),
          }
          : undefined;
        const payload = Buffer.from(
          message.payload.buffer,
          message.payload.byteOffset,
          message.payload.byteLength,
        );
        this.#client.publish(
          message.topic,
          payload,
          { qos: this.settings.qos, ...defined({ properties }) },
          (error) => {
            if (!this.#pending.delete(fail)) return; // already failed by close()
            if (error) {
              reject(
                new ConnectorError(
                  this.closing ? "connector_closed" : "connector_refused",
                  `Publishing to "${message.topic}" on "${this.name}" failed: ${error.message}`,
                  { cause: error },
                ),
              );
            } else {
              this.count("weir_mqtt_published_total", 1);
              resolve();
            }
          },
        );
      });
    } finally {
      this.#slots.release();
    }
  }

  /**
   * Disconnects. Pending publishes fail with `connector_closed`; received
   * messages not yet acknowledged stay with the broker (persistent session).
   */
  async close(): Promise<void> {
    if (!this.startClosing()) return;
    const error = this.closedError();
    for (const fail of [...this.#pending]) fail(error);
    this.#acks.reset();
    this.#router.close();
    const graceful = this.#client.connected && Object.keys(this.#client.outgoing).length === 0;
    await this.#client.endAsync(!graceful);
    this.#firstAttemptDone();
    for (const resolve of this.#connectWaiters.splice(0)) resolve();
  }

  #sendPuback(messageId: number): void {
    if (!this.#client.connected || this.closing) return;
    (this.#client as unknown as ClientInternals)._sendPacket({
      cmd: "puback",
      messageId,
      reasonCode: 0,
    });
  }

  #onConnect(sessionPresent: boolean): void {
    this.#upSince = Date.now();
    this.#firstAttemptDone();
    (this.#client.options as { reconnectPeriod: number }).reconnectPeriod = this.#reconnect.min;
    if (!sessionPresent) this.#granted.clear();
    this.#subscribeMissing().catch((error) => {
      this.logger.log("error", "subscribing after connect failed", { error: String(error) });
    });
    if (!this.#everConnected) {
      this.#everConnected = true;
      this.logger.log("info", "connected", { url: this.settings.url, sessionPresent });
    } else {
      this.logger.log("info", "reconnected", {
        url: this.settings.url,
        sessionPresent,
        downMs: this.#outage === undefined ? 0 : Date.now() - this.#outage.since,
      });
      this.count("weir_mqtt_reconnects_total", 1);
    }
    this.#outage = undefined;
    for (const resolve of this.#connectWaiters.splice(0)) resolve();
  }

  #onClose(): void {
    this.#firstAttemptDone();
    // Tickets of this connection are void: the broker resends those messages on a resumed session.
    this.#acks.reset();
    this.#router.dropParked(); // parked messages come again too
    // Back off: the next attempt waits twice as long, up to the cap.
    const options = this.#client.options as { reconnectPeriod: number };
    if (this.#outage !== undefined) {
      options.reconnectPeriod = Math.min(options.reconnectPeriod * 2, this.#reconnect.max);
    }
    if (this.closing || this.#outage !== undefined) return;
    this.#outage = { since: Date.now(), errors: 0 };
    if (this.#everConnected) {
      this.logger.log("warn", "connection lost, reconnecting", { url: this.settings.url });
    }
  }

  #onError(error: Error): void {
    if (this.closing) return;
    this.#firstAttemptDone();
    const outage = this.#outage ?? (this.#outage = { since: Date.now(), errors: 0 });
    outage.error = error.message;
    // One line per outage, not one per reconnect attempt.
    if (outage.errors++ === 0) {
      this.logger.log("warn", "connection error", {
        url: this.settings.url,
        error: error.message,
      });
    }
  }
}
