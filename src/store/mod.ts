/**
 * Persistence for the gateway: the durable store-and-forward queue that
 * holds results until their destination has them (at-least-once), in
 * `node:sqlite` files under the data directory.
 *
 * @example
 * ```ts ignore
 * import { OutboundQueue, QueueFullError } from "./mod.ts";
 *
 * using queue = OutboundQueue.open(".weir/outbound.db", { maxBytes: 1 << 28, maxAgeSeconds: 86400 });
 * queue.append([{ destination: "cloud", topic: "t", payload, properties, id: "g/op/1" }]);
 * const batch = queue.peek(100, { destination: "cloud" });
 * // … publish, wait for every PUBACK …
 * queue.ack(batch.map((m) => m.seq));
 * ```
 *
 * @module
 */
export * from "./outbound_queue.ts";
export * from "./queue_types.ts";
