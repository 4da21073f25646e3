/**
 * Connectors: where records come from and where results go. A connector is
 * a {@linkcode ConnectorDefinition} (kind, summary, source and sink
 * factories) listed in `builtin.ts`; the registry refuses duplicate kinds.
 * Sources and sinks of one endpoint share one connection through a
 * {@linkcode ConnectionPool}. Built in: MQTT (the reference), Kafka, and
 * OpenTelemetry (a destination only).
 *
 * @example
 * ```ts ignore
 * import { builtinRegistry, ConnectionPool } from "./mod.ts";
 *
 * const registry = builtinRegistry();
 * await using connections = new ConnectionPool();
 * const context = { logger, connections };
 * const mqtt = registry.get("mqtt");
 * const source = mqtt.createSource!({ endpointName: "plant", endpoint, topics: ["sensors/#"] }, context);
 * const sink = mqtt.createSink!({ endpointName: "cloud", endpoint: cloud, topic: "site/${outputTopic}" }, context);
 * await source.start(async ({ records, ackAll }) => {
 *   await sink.write(records); // resolves on PUBACK
 *   ackAll(); // only now do the source's PUBACKs go out
 * });
 * ```
 *
 * @module
 */
export * from "./contract.ts";
export * from "./errors.ts";
export * from "./pool.ts";
export * from "./registry.ts";
export * from "./builtin.ts";
export * from "./mqtt/mod.ts";
export * from "./kafka/mod.ts";
export * from "./otel/mod.ts";
export * from "./secrets.ts";
export * from "./batcher.ts";
export * from "./embedded_broker.ts";
export * from "./demo_sensor.ts";
