/**
 * OpenTelemetry endpoint settings as the connector uses them, checked from
 * the plain object the gateway passes, with the configuration schema's
 * defaults.
 *
 * @module
 */
import { ConnectorError } from "../errors.ts";

/** A header value: text, or where to read it. */
export interface HeaderSource {
  readonly value?: string;
  readonly file?: string;
  readonly env?: string;
}

/** One OpenTelemetry endpoint, defaults applied. */
export interface OtelEndpointSettings {
  /** `http(s)://host[:port]` or `grpc(s)://host[:port]`, no trailing slash. */
  readonly url: string;
  readonly headers: Readonly<Record<string, HeaderSource>>;
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly batching: { readonly latencyMs: number; readonly maxMetrics: number };
  readonly timeoutMs: number;
  readonly resource: Readonly<Record<string, string>>;
}

type Obj = Record<string, unknown>;

/**
 * Checks an endpoint object and applies the defaults.
 *
 * @throws {ConnectorError} code `connector_config` listing every problem.
 */
export function otelEndpointSettings(name: string, raw: object): OtelEndpointSettings {
  const o = raw as Obj;
  const problems: string[] = [];
  if (o.kind !== "otel") problems.push(`kind must be "otel"`);
  const url = typeof o.url === "string" ? o.url.replace(/\/$/, "") : "";
  if (!/^(?:https?|grpcs?):\/\/[^/?#@\s]+$/.test(url)) {
    problems.push(
      `url must be http(s)://host[:port] or grpc(s)://host[:port], not ${JSON.stringify(o.url)}`,
    );
  }
  const headers: Record<string, HeaderSource> = {};
  for (const [header, value] of Object.entries((o.headers ?? {}) as Obj)) {
    if (typeof value === "string") headers[header] = { value };
    else if (value !== null && typeof value === "object") headers[header] = value as HeaderSource;
    else problems.push(`headers.${header} must be text, {file} or {env}`);
  }
  const batching = (o.batching ?? {}) as Obj;
  const number = (v: unknown, fallback: number, what: string) => {
    const n = v ?? fallback;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      problems.push(`${what} must be a whole number, not ${JSON.stringify(n)}`);
      return fallback;
    }
    return n;
  };
  const settings: OtelEndpointSettings = {
    url,
    headers,
    ...(o.tls !== undefined && o.tls !== null ? { tls: o.tls as Obj } : {}),
    batching: {
      latencyMs: number(batching.latencyMs, 200, "batching.latencyMs"),
      maxMetrics: Math.max(1, number(batching.maxMetrics, 1000, "batching.maxMetrics")),
    },
    timeoutMs: Math.max(1, number(o.timeoutMs, 10_000, "timeoutMs")),
    resource: { "service.name": "weir", ...(o.resource ?? {}) as Record<string, string> },
  };
  if (problems.length > 0) {
    throw new ConnectorError(
      "connector_config",
      `OpenTelemetry endpoint "${name}" is unusable: ${problems.join("; ")}`,
    );
  }
  return settings;
}
