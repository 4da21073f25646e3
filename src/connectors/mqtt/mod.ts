/**
 * The MQTT connector: sources subscribe (optionally as a shared
 * subscription) and acknowledge QoS 1 messages only once the caller says
 * what came of them is stored; sinks publish with MQTT 5 user properties,
 * `__ts` and an output id, awaiting PUBACK. One connection per endpoint.
 *
 * @module
 */
import { defined } from "../../base/mod.ts";
import type { ConnectorContext, ConnectorDefinition } from "../contract.ts";
import { onLease, sinkOptions, sourceOptions } from "../factories.ts";
import type { ConnectionPool, Lease } from "../pool.ts";
import { MqttConnection, type MqttConnectionOptions } from "./client.ts";
import {
  MQTT_ENDPOINT_SCHEMA,
  type MqttEndpointSettings,
  mqttEndpointSettings,
} from "./settings.ts";
import { MqttSink } from "./sink.ts";
import { MqttSource } from "./source.ts";

export { type InboundHandler, type InboundMessage, InboundRouter } from "./inbound.ts";
export {
  DEFERRED,
  MAX_IN_FLIGHT,
  MqttConnection,
  type MqttConnectionOptions,
  type SubscribeOptions,
  type Subscription,
  userPropertyObject,
} from "./client.ts";
export { AckSequencer, type AckTicket } from "./ack_sequencer.ts";
export {
  MQTT_ENDPOINT_SCHEMA,
  type MqttEndpointSettings,
  mqttEndpointSettings,
  type MqttSecrets,
  readSecrets,
} from "./settings.ts";
export {
  encodeRecord,
  MqttSink,
  type MqttSinkOptions,
  OUTPUT_ID_PROPERTY,
  OUTPUT_TOPIC,
} from "./sink.ts";
export {
  type Converted,
  messageToRecord,
  MqttSource,
  type MqttSourceOptions,
  TIMESTAMP_PROPERTY,
} from "./source.ts";
export { Slots } from "./slots.ts";
export { filterProblem, publishTopicProblem, topicMatches } from "../../base/mod.ts";

/**
 * The endpoint's shared connection from the pool (key `mqtt:<name>`),
 * opened on first use.
 */
export function acquireMqttConnection(
  pool: ConnectionPool,
  name: string,
  settings: MqttEndpointSettings,
  options: MqttConnectionOptions & { readonly owner?: string },
): Lease<MqttConnection> {
  const key = options.owner === undefined ? `mqtt:${name}` : `mqtt:${name}/${options.owner}`;
  return pool.acquire(key, () => new MqttConnection(name, settings, options));
}

/**
 * A lease on the endpoint's connection: the shared one, or with `owner` (a
 * dataflow's source) one of its own, under the client id `<clientId>-<owner>`.
 */
function lease(
  name: string,
  endpoint: object,
  context: ConnectorContext,
  owner?: string,
): Lease<MqttConnection> {
  const shared = mqttEndpointSettings(name, endpoint);
  const settings = owner === undefined
    ? shared
    : { ...shared, clientId: `${shared.clientId}-${owner}` };
  return acquireMqttConnection(context.connections, name, settings, {
    logger: context.logger.child({ endpoint: name }),
    ...defined({ metrics: context.metrics }),
    ...defined({ env: context.env }),
    ...defined({ owner }),
  });
}

/** The MQTT connector definition. */
export const mqttConnector: ConnectorDefinition = {
  kind: "mqtt",
  summary: "MQTT 5 or 3.1.1 broker: subscribe to topic filters (shared subscriptions, QoS 1 " +
    "acknowledged once processed) and publish results with user properties, awaiting PUBACK",
  schema: MQTT_ENDPOINT_SCHEMA,
  createSource(settings, context) {
    const held = lease(settings.endpointName, settings.endpoint, context, settings.dataflow);
    return onLease(held, () =>
      new MqttSource(held, {
        ...sourceOptions(settings, context),
        ...defined({ sharedGroup: settings.sharedGroup }),
      }));
  },
  createSink(settings, context) {
    const held = lease(settings.endpointName, settings.endpoint, context);
    return onLease(
      held,
      () => new MqttSink(held, { topic: settings.topic, ...sinkOptions(settings, context) }),
    );
  },
};
