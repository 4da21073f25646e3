/**
 * The Kafka connector (`@platformatic/kafka`, pure TypeScript): sources read
 * topics in a consumer group and commit offsets only up to the lowest record
 * whose results are not yet stored; sinks produce with an idempotent producer
 * (`acks: all` by default), batching across an endpoint's sinks. Headers carry
 * user properties, the content type, `__ts` and `__weirId`.
 *
 * @module
 */
import { defined } from "../../base/mod.ts";
import type { ConnectorContext, ConnectorDefinition } from "../contract.ts";
import { onLease, sinkOptions, sourceOptions } from "../factories.ts";
import type { ConnectionPool, Lease } from "../pool.ts";
import { KafkaConnection, type KafkaConnectionOptions } from "./client.ts";
import {
  KAFKA_ENDPOINT_SCHEMA,
  type KafkaEndpointSettings,
  kafkaEndpointSettings,
} from "./settings.ts";
import { KafkaSink } from "./sink.ts";
import { KafkaSource } from "./source.ts";

export { KafkaConnection, type KafkaConnectionOptions } from "./client.ts";
export { describeKafkaError } from "./errors.ts";
export { type CommitPoint, OffsetTracker } from "./offsets.ts";
export {
  CONTENT_TYPE_HEADER,
  encodeKafkaRecord,
  kafkaToRecord,
  KEY_PROPERTY,
  keyFunction,
  toProduced,
} from "./records.ts";
export {
  KAFKA_ENDPOINT_SCHEMA,
  type KafkaEndpointSettings,
  kafkaEndpointSettings,
} from "./settings.ts";
export { KafkaSink, type KafkaSinkOptions } from "./sink.ts";
export { KafkaSource, type KafkaSourceOptions } from "./source.ts";

/** The endpoint's shared connection from the pool (key `kafka:<name>`), opened on first use. */
export function acquireKafkaConnection(
  pool: ConnectionPool,
  name: string,
  settings: KafkaEndpointSettings,
  options: KafkaConnectionOptions,
): Lease<KafkaConnection> {
  return pool.acquire(`kafka:${name}`, () => new KafkaConnection(name, settings, options));
}

function lease(name: string, endpoint: object, context: ConnectorContext): Lease<KafkaConnection> {
  return acquireKafkaConnection(context.connections, name, kafkaEndpointSettings(name, endpoint), {
    logger: context.logger.child({ endpoint: name }),
    ...defined({ metrics: context.metrics }),
    ...defined({ env: context.env }),
  });
}

/** The Kafka connector definition. */
export const kafkaConnector: ConnectorDefinition = {
  kind: "kafka",
  summary: "Kafka cluster: read topics in a consumer group (offsets committed once results are " +
    "stored) and produce results with an idempotent producer, headers for user properties",
  schema: KAFKA_ENDPOINT_SCHEMA,
  createSource(settings, context) {
    const held = lease(settings.endpointName, settings.endpoint, context);
    const group = held.value.settings.consumerGroup ??
      `weir-${settings.dataflow ?? settings.endpointName}`;
    return onLease(
      held,
      () => new KafkaSource(held, { ...sourceOptions(settings, context), group }),
    );
  },
  createSink(settings, context) {
    const held = lease(settings.endpointName, settings.endpoint, context);
    return onLease(held, () =>
      new KafkaSink(held, {
        topic: settings.topic,
        ...defined({ key: settings.key }),
        ...sinkOptions(settings, context),
      }));
  },
};
