/**
 * One OpenTelemetry endpoint's exporter, shared by its sinks: the transport
 * its URL names (OTLP/HTTP protobuf or OTLP/gRPC), headers with their values
 * read from files or the environment, a {@linkcode Batcher} that gathers
 * metrics from every sink into exports, and the endpoint's status. A retryable
 * failure (the collector is away, busy or overloaded) fails the sends in that
 * export, so the forwarder keeps the messages and tries again; a refusal no
 * retry can fix drops those metrics, logged and counted.
 *
 * @module
 */
import process from "node:process";
import { defined } from "../../base/mod.ts";
import { Batcher } from "../batcher.ts";
import { ConnectorError } from "../errors.ts";
import { type ConnectionOptions, EndpointConnection } from "../endpoint_connection.ts";
import { LinkStatus } from "../link_status.ts";
import type { ConnectionStatus } from "../pool.ts";
import { readSecret, readTlsFiles } from "../secrets.ts";
import { exportMetricsRequest } from "./otlp_proto.ts";
import type { MetricPoint } from "./payload.ts";
import {
  grpcTransport,
  httpTransport,
  type OtlpTransport,
  type TransportTls,
} from "./transport.ts";
import type { OtelEndpointSettings } from "./settings.ts";

/** Options for {@linkcode OtelConnection}. */
export interface OtelConnectionOptions extends ConnectionOptions {
  /** The instrumentation scope's version. @default "1" */
  readonly version?: string;
}

/** The exporter of one OpenTelemetry endpoint. */
export class OtelConnection extends EndpointConnection<OtelEndpointSettings> {
  readonly #transport: OtlpTransport;
  readonly #batcher: Batcher<MetricPoint>;
  readonly #version: string;
  readonly #link: LinkStatus;

  /**
   * Prepares the exporter (nothing connects until the first export).
   *
   * @throws {ConnectorError} code `connector_config` when a header file or variable is missing.
   */
  constructor(name: string, settings: OtelEndpointSettings, options: OtelConnectionOptions) {
    super(name, settings, options);
    this.#version = options.version ?? "1";
    this.#link = new LinkStatus(options.logger.child({ url: settings.url }), "collector");
    const owner = `OpenTelemetry endpoint "${name}"`;
    const env = options.env ?? ((n: string) => process.env[n]);
    const headers: Record<string, string> = {};
    for (const [header, value] of Object.entries(settings.headers)) {
      headers[header] = value.value ??
        readSecret(
          owner,
          `header "${header}"`,
          value.file === undefined ? { env: value.env! } : { file: value.file },
          env,
        );
    }
    const pem = settings.tls === undefined ? undefined : readTlsFiles(owner, settings.tls);
    const text = (bytes: Uint8Array | undefined) =>
      bytes === undefined ? undefined : new TextDecoder().decode(bytes);
    const tls: TransportTls | undefined = pem === undefined
      ? undefined
      : defined({ ca: text(pem.ca), cert: text(pem.cert), key: text(pem.key) });
    this.#transport = /^grpcs?:/.test(settings.url)
      ? grpcTransport(settings.url, headers, tls)
      : httpTransport(settings.url, headers, tls);
    this.#batcher = new Batcher((points) => this.#export(points), {
      latencyMs: settings.batching.latencyMs,
      maxMessages: settings.batching.maxMetrics,
      maxBytes: Number.MAX_SAFE_INTEGER,
    });
  }

  /** Up after the last export got an answer, down (with why) after one failed. */
  status(): ConnectionStatus {
    return this.#link.current;
  }

  /**
   * Exports metrics (batched with other sinks'); resolves once the collector
   * took them, or refused them for good (dropped, logged, counted).
   *
   * @throws {ConnectorError} `connector_refused` when a retry may succeed, or `connector_closed`.
   */
  async export(points: readonly MetricPoint[]): Promise<void> {
    this.ensureOpen();
    await this.#batcher.add(points.map((record) => ({ record, bytes: 1 })));
  }

  /** Stops the exporter; waiting exports fail with `connector_closed`. */
  close(): Promise<void> {
    if (!this.startClosing()) return Promise.resolve();
    this.#batcher.close(
      this.closedError(),
    );
    this.#transport.close();
    return Promise.resolve();
  }

  async #export(points: MetricPoint[]): Promise<void> {
    const body = exportMetricsRequest(points, this.settings.resource, {
      name: "weir",
      version: this.#version,
    });
    const outcome = await this.#transport.send(body, this.settings.timeoutMs);
    if (outcome.ok) {
      this.#link.up();
      this.count("weir_otel_exported_total", points.length);
      return;
    }
    if (!outcome.retry) {
      this.#link.up();
      this.count("weir_otel_refused_total", points.length);
      this.logger.log("error", "collector refused metrics; dropped", {
        metrics: points.length,
        reason: outcome.reason,
      });
      return;
    }
    this.#link.down(outcome.reason);
    throw new ConnectorError(
      "connector_refused",
      `Exporting metrics to "${this.settings.url}" failed: ${outcome.reason}`,
    );
  }
}
