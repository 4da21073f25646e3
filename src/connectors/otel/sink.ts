/**
 * The OpenTelemetry sink: each record must carry the metrics payload AIO's
 * otel-transform module emits (`payload.ts`); `encode` checks it and queues
 * it normalised (timestamps filled in, as exact text), or refuses it with a
 * `connector_rejected` error naming what is wrong (the gateway dead-letters
 * it). `send` exports queued messages as OTLP metrics through the endpoint's
 * shared exporter. An OpenTelemetry destination has no topic.
 *
 * @module
 */
import type { Rec } from "../../engine/mod.ts";
import type { OutboundMessage } from "../contract.ts";
import { ConnectorError } from "../errors.ts";
import type { Lease } from "../pool.ts";
import type { CommonSinkOptions } from "../factories.ts";
import { LeasedSink } from "../leased_sink.ts";
import type { OtelConnection } from "./client.ts";
import { fromMetricsJson, type MetricPoint, metricsJson, parseMetrics } from "./payload.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Options for {@linkcode OtelSink}: those of every sink (it has no topic). */
export type OtelSinkOptions = CommonSinkOptions;

/** Exports records' metrics to one collector. */
export class OtelSink extends LeasedSink<OtelConnection> {
  readonly #options: OtelSinkOptions;

  /** Makes a sink on a leased exporter (released by `close`). */
  constructor(lease: Lease<OtelConnection>, options: OtelSinkOptions) {
    super(lease, options, {
      metric: "weir_otel_sink_rejected_total",
      message: "record not exported",
    });
    this.#options = options;
  }

  override encode(record: Rec, id?: string): OutboundMessage {
    const data = record.data;
    if (data.kind !== "message" && data.kind !== "bytes") {
      throw new ConnectorError(
        "connector_rejected",
        `Payload is not OpenTelemetry metrics: a ${data.kind} record has no JSON payload`,
      );
    }
    const payload = data.kind === "message" ? data.payload : data.bytes;
    const points = parseMetrics(payload, BigInt(record.time.ms) * 1_000_000n);
    return {
      topic: "",
      payload: encoder.encode(metricsJson(points)),
      properties: {
        contentType: "application/json",
        userProperties: id === undefined ? [] : [["__weirId", id]],
      },
    };
  }

  override async send(messages: readonly OutboundMessage[]): Promise<void> {
    if (this.closed) throw new ConnectorError("connector_closed", "OpenTelemetry sink is closed");
    const points: MetricPoint[] = [];
    for (const m of messages) {
      try {
        points.push(...fromMetricsJson(decoder.decode(m.payload)));
      } catch (error) {
        // Queued by another destination's encoder (the configuration changed): it cannot go here.
        this.#options.metrics?.add("weir_otel_sink_rejected_total", 1, {
          endpoint: this.connection.name,
        });
        this.#options.logger.log("error", "queued message is not metrics; dropped", {
          error: String(error),
        });
      }
    }
    if (points.length > 0) await this.connection.export(points);
  }
}
