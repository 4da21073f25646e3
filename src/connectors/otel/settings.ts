/**
 * OpenTelemetry endpoint settings as the connector uses them, checked from
 * the plain object the gateway passes against the endpoint schema, whose
 * defaults they get.
 *
 * @module
 */
import endpointSchema from "./endpoint.schema.json" with { type: "json" };
import {
  defined,
  type JsonSchema,
  type OtelEndpoint,
  type OtelHeaderValue,
  SchemaValidator,
} from "../../base/mod.ts";
import { checkedEndpoint } from "../endpoint_schema.ts";

/** The OpenTelemetry endpoint's JSON Schema (`endpoint.schema.json`). */
export const OTEL_ENDPOINT_SCHEMA: JsonSchema = endpointSchema;

/** One OpenTelemetry endpoint, defaults applied (the shape the configuration holds too). */
export type OtelEndpointSettings = OtelEndpoint;

/** The OpenTelemetry endpoint schema, compiled: the shape `endpoints.<name>` has in the configuration. */
const SCHEMA = new SchemaValidator(OTEL_ENDPOINT_SCHEMA);

/**
 * Checks an endpoint object against the endpoint schema and applies its defaults.
 *
 * @throws {ConnectorError} code `connector_config` listing every problem.
 */
export function otelEndpointSettings(name: string, raw: object): OtelEndpointSettings {
  const o = checkedEndpoint(`OpenTelemetry endpoint "${name}"`, SCHEMA, raw);
  const headers: Record<string, OtelHeaderValue> = {};
  for (
    const [header, value] of Object.entries(o.headers as Record<string, string | OtelHeaderValue>)
  ) {
    headers[header] = typeof value === "string" ? { value } : value;
  }
  return {
    url: (o.url as string).replace(/\/$/, ""),
    headers,
    ...defined({ tls: o.tls as OtelEndpointSettings["tls"] }),
    batching: o.batching as OtelEndpointSettings["batching"],
    timeoutMs: o.timeoutMs as number,
    resource: { "service.name": "weir", ...o.resource as Record<string, string> | undefined },
  };
}
