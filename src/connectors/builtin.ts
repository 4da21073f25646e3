/**
 * Every connector Weir ships, in one visible list (no side-effect
 * registration): add a connector here and the registry knows it.
 *
 * @module
 */
import type { ConnectorDefinition } from "./contract.ts";
import { kafkaConnector } from "./kafka/mod.ts";
import { mqttConnector } from "./mqtt/mod.ts";
import { otelConnector } from "./otel/mod.ts";
import { ConnectorRegistry } from "./registry.ts";

/** The built-in connectors. */
export const BUILTIN_CONNECTORS: readonly ConnectorDefinition[] = [
  mqttConnector,
  kafkaConnector,
  otelConnector,
];

/** A registry of the built-in connectors. */
export function builtinRegistry(): ConnectorRegistry {
  return new ConnectorRegistry(BUILTIN_CONNECTORS);
}
