/**
 * The shapes the store-and-forward queue takes and gives back, its options,
 * and the error that tells a caller to slow down.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import type { Logger } from "../telemetry/mod.ts";

/** MQTT-like properties kept with a queued message. */
export interface QueuedProperties {
  /** The content type, or null. */
  readonly contentType: string | null;
  /** User properties in order (names may repeat). */
  readonly userProperties: ReadonlyArray<readonly [string, string]>;
  /** A record key (Kafka); absent for none. */
  readonly key?: string;
}

/** One message to queue. */
export interface QueueMessage {
  /** Which destination it is for (e.g. the dataflow or endpoint name); forwarders filter by it. */
  readonly destination: string;
  /** The topic to publish to. */
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly properties: QueuedProperties;
  /** The message's own id (e.g. the deterministic output id); kept, not interpreted. */
  readonly id: string;
  /**
   * A dead letter: kept under a budget of its own, so bad input never evicts good
   * outputs, and never refused (the oldest dead letters make room). @default false
   */
  readonly deadLetter?: boolean;
}

/** A message read back from the queue. */
export interface QueuedMessage extends QueueMessage {
  /** Its place in the queue: increasing, never reused. Acknowledge by it. */
  readonly seq: number;
  /** When it was appended (ms since the epoch). */
  readonly enqueuedAt: number;
  /** Whether it is kept as a dead letter (under their budget). */
  readonly deadLetter: boolean;
}

/** What the queue does when an append does not fit. */
export type QueueFullPolicy = "drop-oldest" | "reject-new";

/** Options for {@linkcode OutboundQueue.open}. */
export interface OutboundQueueOptions {
  /** The most the queue holds, in accounted bytes (payload, topic, properties, id + 64 per row). */
  maxBytes: number;
  /** Messages older than this are dropped. */
  maxAgeSeconds: number;
  /** The most dead letters hold, in accounted bytes. @default a tenth of maxBytes, at least 1 MiB */
  deadLetterMaxBytes?: number;
  /** @default "drop-oldest" */
  policy?: QueueFullPolicy;
  /** `full` survives power loss; `normal` survives a process crash and is faster. @default "full" */
  synchronous?: "full" | "normal";
  /** The clock for ages. @default Date.now */
  now?: () => number;
  /** Where drops are reported (one warning per append or expiry that dropped). */
  logger?: Logger;
}

/** Options for {@linkcode OutboundQueue.peek}. */
export interface PeekOptions {
  /** Only messages for this destination. */
  destination?: string;
  /** Only messages after this seq (to read ahead while earlier ones are in flight). */
  after?: number;
}

/**
 * Which rows {@linkcode OutboundQueue.list}, {@linkcode OutboundQueue.count}
 * and {@linkcode OutboundQueue.remove} look at. Every field narrows; none
 * means every row.
 */
export interface RowFilter {
  /** Only dead letters (true) or only outputs (false). */
  readonly deadLetters?: boolean;
  readonly destination?: string;
  /** Only these seqs. */
  readonly seqs?: readonly number[];
  /** Only rows after this seq. */
  readonly after?: number;
  /** Only rows before this seq. */
  readonly before?: number;
  /** Only rows whose payload is a JSON object with these top-level fields equal to these texts. */
  readonly payloadEquals?: Readonly<Record<string, string>>;
  /** Only rows whose payload is a JSON object whose fields contain these texts (any case). */
  readonly payloadContains?: Readonly<Record<string, string>>;
}

/** Options for {@linkcode OutboundQueue.list}. */
export interface ListOptions extends RowFilter {
  /** The most rows to return. @default 100 */
  readonly limit?: number;
  /** Newest first (page on with `before`); oldest first otherwise (page on with `after`). @default false */
  readonly newestFirst?: boolean;
}

/** Counters since the queue was opened. */
export interface QueueStats {
  /** Messages dropped to make room (policy `drop-oldest`). */
  readonly droppedOverflow: number;
  /** Messages dropped for their age. */
  readonly droppedExpired: number;
  /** Appends refused (policy `reject-new`, or a message larger than the whole queue). */
  readonly rejected: number;
  /** Dead letters dropped to keep within their budget (oldest first). */
  readonly droppedDeadLetters: number;
}

/** How much one class of messages holds. */
export interface QueueUsage {
  readonly count: number;
  /** Accounted bytes. */
  readonly bytes: number;
}

/** Why {@linkcode QueueFullError} was thrown. */
export type QueueFullReason = "full" | "too-large";

/**
 * Thrown by {@linkcode OutboundQueue.append} when a batch does not fit: with
 * `reject-new` when the queue is full (nothing of the batch was stored: wait
 * for acknowledgements and try again, which is the back-pressure), or with
 * any policy when one message is larger than the whole queue.
 */
export class QueueFullError extends WeirError {
  /** `full` (retry later) or `too-large` (never fits). */
  readonly reason: QueueFullReason;
  /** Accounted bytes the batch needs. */
  readonly needed: number;
  /** Accounted bytes free at the time. */
  readonly available: number;

  /** Makes the error with the numbers that explain it. */
  constructor(reason: QueueFullReason, needed: number, available: number) {
    super(
      "queue_full",
      reason === "too-large"
        ? `Message of ${needed} bytes is larger than the whole queue (${available} bytes)`
        : `Queue is full: the batch needs ${needed} bytes, ${available} are free`,
    );
    this.name = "QueueFullError";
    this.reason = reason;
    this.needed = needed;
    this.available = available;
  }
}

/** Per-row overhead counted against `maxBytes`, so empty messages still cost something. */
export const ROW_OVERHEAD_BYTES = 64;
