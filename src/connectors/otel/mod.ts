/**
 * The OpenTelemetry connector, a destination only: results carrying the
 * metrics payload of AIO's otel-transform module are exported as OTLP
 * metrics, over HTTP (protobuf) or gRPC, batched, and retried by the
 * forwarder while the collector is away; other payloads are refused with the
 * reason (and dead-lettered by the gateway).
 *
 * @module
 */
import { defined } from "../../base/mod.ts";
import type { ConnectorDefinition } from "../contract.ts";
import { sinkOptions } from "../factories.ts";
import { OtelConnection } from "./client.ts";
import { OTEL_ENDPOINT_SCHEMA, otelEndpointSettings } from "./settings.ts";
import { OtelSink } from "./sink.ts";

export { OtelConnection, type OtelConnectionOptions } from "./client.ts";
export { exportMetricsRequest, isSum } from "./otlp_proto.ts";
export { type MetricPoint, parseMetrics } from "./payload.ts";
export {
  OTEL_ENDPOINT_SCHEMA,
  type OtelEndpointSettings,
  otelEndpointSettings,
} from "./settings.ts";
export { OtelSink, type OtelSinkOptions } from "./sink.ts";

/** The OpenTelemetry connector definition. */
export const otelConnector: ConnectorDefinition = {
  kind: "otel",
  summary: "OpenTelemetry collector (destination only): export AIO otel-transform metrics " +
    "payloads as OTLP metrics over HTTP/protobuf or gRPC",
  schema: OTEL_ENDPOINT_SCHEMA,
  createSink(settings, context) {
    const name = settings.endpointName;
    const endpoint = otelEndpointSettings(name, settings.endpoint);
    const held = context.connections.acquire(
      `otel:${name}`,
      () =>
        new OtelConnection(name, endpoint, {
          logger: context.logger.child({ endpoint: name }),
          ...defined({ metrics: context.metrics }),
          ...defined({ env: context.env }),
        }),
    );
    return new OtelSink(held, sinkOptions(settings, context));
  },
};
