/**
 * The contract between the gateway and a connector : a
 * {@linkcode ConnectorDefinition} names a kind and makes sources and sinks;
 * a {@linkcode Source} hands batches of engine records to a handler, each
 * record with its own acknowledgement; a {@linkcode Sink} turns records into
 * outbound messages and sends them, resolving once the broker has them.
 *
 * @module
 */
import type { JsonSchema } from "../base/mod.ts";
import type { Rec, SinkWriter } from "../engine/mod.ts";
import type { Logger, Metrics } from "../telemetry/mod.ts";
import type { ConnectionPool } from "./pool.ts";

/** A batch of records from a source, each with its own acknowledgement. */
export interface SourceBatch {
  /** The records, in arrival order. */
  readonly records: readonly Rec[];
  /**
   * `acks[i]` settles `records[i]`: call it once every output derived from
   * that record is stored or delivered. Calling it again does nothing. A
   * record never acknowledged is delivered again after a reconnect (QoS 1
   * with a persistent session).
   */
  readonly acks: ReadonlyArray<() => void>;
  /** Settles every record of the batch. */
  ackAll(): void;
}

/**
 * Receives batches. The source sends the next batch only when the returned
 * promise settles (back-pressure); records arriving meanwhile gather into
 * it. A throw is logged and leaves the batch unacknowledged.
 */
export type SourceHandler = (batch: SourceBatch) => void | Promise<void>;

/** Where records come from. */
export interface Source extends AsyncDisposable {
  /** Subscribes and starts delivering; resolves once the broker granted the subscriptions. */
  start(handler: SourceHandler): Promise<void>;
  /** Stops delivering and releases the connection; unacknowledged records stay with the broker. */
  close(): Promise<void>;
  /** Records received and not yet handed to the handler, when the source knows. */
  readonly buffered?: number;
  /** Records the source is behind the end of its log (Kafka's consumer lag), once measured. */
  readonly lag?: number | undefined;
}

/** MQTT-like properties of an outbound message. */
export interface OutboundProperties {
  readonly contentType: string | null;
  /** In order; names may repeat. */
  readonly userProperties: ReadonlyArray<readonly [string, string]>;
  /** The record key, for destinations that have one (Kafka); absent for none. */
  readonly key?: string;
}

/** A record made ready to send: the store-and-forward queue keeps exactly this. */
export interface OutboundMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly properties: OutboundProperties;
}

/** Where records go. Also an engine {@linkcode SinkWriter}. */
export interface Sink extends SinkWriter, AsyncDisposable {
  /**
   * The message a record becomes: destination topic resolved, `__ts` set to
   * the record's time, `id` (if given) as the output id property.
   *
   * @throws {ConnectorError} code `connector_rejected` when it cannot be sent as is.
   */
  encode(record: Rec, id?: string): OutboundMessage;
  /** Sends messages in order; resolves when the broker has every one (PUBACK for QoS 1). */
  send(messages: readonly OutboundMessage[]): Promise<void>;
  /** `encode` + `send`; records that cannot be encoded go to the sink's `onReject`. */
  write(batch: readonly Rec[]): Promise<void>;
  /** Releases the connection; pending sends fail with `connector_closed`. */
  close(): Promise<void>;
}

/** What every source and sink gets from the gateway. */
export interface ConnectorContext {
  /** Scoped by the gateway (dataflow, endpoint). */
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Shared connections: one client per endpoint, whatever the number of sources and sinks. */
  readonly connections: ConnectionPool;
  /** Reads an environment variable (for `credentials.passwordEnv`). @default Deno.env */
  readonly env?: (name: string) => string | undefined;
}

/** Settings of one source. */
export interface SourceSettings {
  /** The endpoint's name: the key of its shared connection and a log field. */
  readonly endpointName: string;
  /** The endpoint's settings; the connector checks them. */
  readonly endpoint: object;
  /** Topic filters. */
  readonly topics: readonly string[];
  /** Subscribe as `$share/<group>/<filter>`. */
  readonly sharedGroup?: string;
  /** The HLC node id of arrival stamps. @default "weir" */
  readonly node?: string;
  /** The most records in one batch. @default 1024 */
  readonly maxBatch?: number;
  /** How far ahead of the wall clock a record's own time may be and still be taken. @default 60000 */
  readonly maxClockDriftMs?: number;
  /** Labels of the source's metrics (e.g. the dataflow). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The dataflow this source feeds. A connector that can give each dataflow a
   * connection of its own does (MQTT does), so one dataflow's unacknowledged
   * input never uses up the window of another: a slow or stopped dataflow
   * holds back only itself. It also names a Kafka source's default consumer group.
   */
  readonly dataflow?: string;
}

/** Settings of one sink. */
export interface SinkSettings {
  /** The endpoint's name: the key of its shared connection and a log field. */
  readonly endpointName: string;
  /** The endpoint's settings; the connector checks them. */
  readonly endpoint: object;
  /** The destination topic; `${outputTopic}` stands for each message's own topic. */
  readonly topic: string;
  /** The record key template, for destinations that have keys (Kafka). */
  readonly key?: string;
  /** The output id of a record, for `write` (the gateway derives it from graph, operation and input time). */
  readonly outputId?: (record: Rec) => string | undefined;
  /** Where `write` sends records it cannot encode. @default logged and counted */
  readonly onReject?: (record: Rec, error: Error) => void;
}

/** A connector: a kind, a one-line summary, and factories. */
export interface ConnectorDefinition {
  /** The registry key, e.g. `"mqtt"`. */
  readonly kind: string;
  /** One sentence for docs and listings. */
  readonly summary: string;
  /**
   * The JSON Schema of an endpoint of this kind (`<kind>/endpoint.schema.json`):
   * its shape and defaults, which the gateway configuration schema refers to and
   * the connector's own settings are checked against.
   */
  readonly schema?: JsonSchema;
  createSource?(settings: SourceSettings, context: ConnectorContext): Source;
  createSink?(settings: SinkSettings, context: ConnectorContext): Sink;
}
