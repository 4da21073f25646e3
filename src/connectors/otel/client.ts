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
import type { Logger, Metrics } from "../../telemetry/mod.ts";
import { Batcher } from "../batcher.ts";
import { ConnectorError } from "../errors.ts";
import type { ConnectionStatus } from "../pool.ts";
import { readEndpointFile, readSecret } from "../secrets.ts";
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
export interface OtelConnectionOptions {
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Reads environment variables for header values. @default process.env */
  readonly env?: (name: string) => string | undefined;
  /** The instrumentation scope's version. @default "1" */
  readonly version?: string;
}

/** The exporter of one OpenTelemetry endpoint. */
export class OtelConnection {
  readonly name: string;
  readonly settings: OtelEndpointSettings;
  readonly #transport: OtlpTransport;
  readonly #batcher: Batcher<MetricPoint>;
  readonly #logger: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #labels: { endpoint: string };
  readonly #version: string;
  #status: ConnectionStatus = { up: false, since: Date.now() };
  #closing = false;

  /**
   * Prepares the exporter (nothing connects until the first export).
   *
   * @throws {ConnectorError} code `connector_config` when a header file or variable is missing.
   */
  constructor(name: string, settings: OtelEndpointSettings, options: OtelConnectionOptions) {
    this.name = name;
    this.settings = settings;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#labels = { endpoint: name };
    this.#version = options.version ?? "1";
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
    const text = (what: string, path: string | undefined) =>
      path === undefined
        ? undefined
        : new TextDecoder().decode(readEndpointFile(owner, what, path));
    const tls: TransportTls | undefined = settings.tls === undefined ? undefined : {
      ...(settings.tls.ca === undefined ? {} : { ca: text("TLS CA file", settings.tls.ca)! }),
      ...(settings.tls.cert === undefined
        ? {}
        : { cert: text("TLS certificate file", settings.tls.cert)! }),
      ...(settings.tls.key === undefined ? {} : { key: text("TLS key file", settings.tls.key)! }),
    };
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
    return this.#status;
  }

  /**
   * Exports metrics (batched with other sinks'); resolves once the collector
   * took them, or refused them for good (dropped, logged, counted).
   *
   * @throws {ConnectorError} `connector_refused` when a retry may succeed, or `connector_closed`.
   */
  async export(points: readonly MetricPoint[]): Promise<void> {
    if (this.#closing) {
      throw new ConnectorError("connector_closed", `Connection "${this.name}" is closed`);
    }
    await this.#batcher.add(points.map((record) => ({ record, bytes: 1 })));
  }

  /** Stops the exporter; waiting exports fail with `connector_closed`. */
  close(): Promise<void> {
    if (this.#closing) return Promise.resolve();
    this.#closing = true;
    this.#batcher.close(
      new ConnectorError("connector_closed", `Connection "${this.name}" is closed`),
    );
    this.#transport.close();
    return Promise.resolve();
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #export(points: MetricPoint[]): Promise<void> {
    const body = exportMetricsRequest(points, this.settings.resource, {
      name: "weir",
      version: this.#version,
    });
    const outcome = await this.#transport.send(body, this.settings.timeoutMs);
    if (outcome.ok) {
      this.#up();
      this.#metrics?.add("weir_otel_exported_total", points.length, this.#labels);
      return;
    }
    if (!outcome.retry) {
      this.#up();
      this.#metrics?.add("weir_otel_refused_total", points.length, this.#labels);
      this.#logger.log("error", "collector refused metrics; dropped", {
        metrics: points.length,
        reason: outcome.reason,
      });
      return;
    }
    if (this.#status.up || this.#status.error === undefined) {
      this.#logger.log("warn", "collector unavailable", {
        url: this.settings.url,
        reason: outcome.reason,
      });
    }
    this.#status = {
      up: false,
      since: this.#status.up ? Date.now() : this.#status.since,
      error: outcome.reason,
    };
    throw new ConnectorError(
      "connector_refused",
      `Exporting metrics to "${this.settings.url}" failed: ${outcome.reason}`,
    );
  }

  #up(): void {
    if (!this.#status.up) this.#status = { up: true, since: Date.now() };
  }
}
