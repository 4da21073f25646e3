/**
 * The metrics payload AIO's otel-transform module emits, checked and
 * normalised: `{"metrics":[{"name","value","metric_type","unit","timestamp",
 * "attributes":[{"key","value"}]}]}`. The timestamp is Unix nanoseconds, read
 * from the JSON text itself (it exceeds a double's exact range); a null or
 * missing one takes the record's time. Any other shape is refused with the
 * first thing wrong in it.
 *
 * @module
 */
import { ConnectorError } from "../errors.ts";

/** One attribute value as OTLP can carry it. */
export type AttributeValue = string | number | boolean;

/** One metric data point. */
export interface MetricPoint {
  readonly name: string;
  readonly value: number;
  /** otel-transform's `metric_type`: `counter`/`sum` export as a monotonic sum, anything else as a gauge. */
  readonly type: string;
  readonly unit: string;
  /** Unix nanoseconds. */
  readonly timeNs: bigint;
  readonly attributes: ReadonlyArray<readonly [string, AttributeValue]>;
}

type Obj = Record<string, unknown>;

const SHAPE = 'expected the otel-transform shape {"metrics":[{"name","value","metric_type",' +
  '"unit","timestamp","attributes":[{"key","value"}]}]}';

function refuse(reason: string): ConnectorError {
  return new ConnectorError(
    "connector_rejected",
    `Payload is not OpenTelemetry metrics: ${reason}, ${SHAPE}`,
  );
}

interface Source {
  readonly source?: string;
}

/** Parses JSON keeping whole numbers beyond 2^53 exact (as bigint) where they are timestamps. */
function parseJson(text: string): unknown {
  return JSON.parse(text, function (key, value, context?: Source) {
    if (key === "timestamp" && typeof value === "number" && context?.source !== undefined) {
      return /^-?[0-9]+$/.test(context.source) ? BigInt(context.source) : value;
    }
    return value;
  });
}

/**
 * The metrics of a payload.
 *
 * @param fallbackNs The time of a metric whose timestamp is null or missing.
 * @throws {ConnectorError} code `connector_rejected` naming what is wrong.
 */
export function parseMetrics(payload: Uint8Array, fallbackNs: bigint): MetricPoint[] {
  let value: unknown;
  try {
    value = parseJson(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (error) {
    throw refuse(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw refuse("not a JSON object");
  }
  const metrics = (value as Obj).metrics;
  if (!Array.isArray(metrics) || metrics.length === 0) {
    throw refuse('"metrics" is not a non-empty list');
  }
  return metrics.map((raw, i) => metricOf(raw, `metrics[${i}]`, fallbackNs));
}

function metricOf(raw: unknown, at: string, fallbackNs: bigint): MetricPoint {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw refuse(`${at} is not an object`);
  }
  const m = raw as Obj;
  if (typeof m.name !== "string" || m.name === "") {
    throw refuse(`${at}.name is not a non-empty string`);
  }
  if (typeof m.value !== "number" || !Number.isFinite(m.value)) {
    throw refuse(`${at}.value is not a number`);
  }
  if (m.metric_type !== undefined && m.metric_type !== null && typeof m.metric_type !== "string") {
    throw refuse(`${at}.metric_type is not a string`);
  }
  if (m.unit !== undefined && m.unit !== null && typeof m.unit !== "string") {
    throw refuse(`${at}.unit is not a string or null`);
  }
  let timeNs = fallbackNs;
  if (typeof m.timestamp === "bigint") timeNs = m.timestamp;
  else if (typeof m.timestamp === "number" && Number.isInteger(m.timestamp)) {
    timeNs = BigInt(m.timestamp);
  } else if (m.timestamp !== undefined && m.timestamp !== null) {
    throw refuse(`${at}.timestamp is not whole nanoseconds or null`);
  }
  if (timeNs < 0n) throw refuse(`${at}.timestamp is negative`);
  const attributes: Array<readonly [string, AttributeValue]> = [];
  if (m.attributes !== undefined && m.attributes !== null) {
    if (!Array.isArray(m.attributes)) throw refuse(`${at}.attributes is not a list or null`);
    m.attributes.forEach((a: unknown, j) => {
      const kv = a as Obj | null;
      const v = kv?.value;
      if (
        kv === null || typeof kv !== "object" || typeof kv.key !== "string" ||
        !(typeof v === "string" || typeof v === "number" || typeof v === "boolean")
      ) {
        throw refuse(
          `${at}.attributes[${j}] is not {"key": text, "value": text, number or boolean}`,
        );
      }
      attributes.push([kv.key, v]);
    });
  }
  return {
    name: m.name,
    value: m.value,
    type: typeof m.metric_type === "string" ? m.metric_type : "gauge",
    unit: typeof m.unit === "string" ? m.unit : "",
    timeNs,
    attributes,
  };
}

/** The queued form of checked metrics: JSON with the timestamps as decimal text. */
export function metricsJson(points: readonly MetricPoint[]): string {
  return JSON.stringify({
    metrics: points.map((p) => ({
      name: p.name,
      value: p.value,
      metric_type: p.type,
      unit: p.unit,
      timestamp: p.timeNs.toString(),
      attributes: p.attributes.map(([key, value]) => ({ key, value })),
    })),
  });
}

/** Reads back {@linkcode metricsJson}. */
export function fromMetricsJson(text: string): MetricPoint[] {
  const { metrics } = JSON.parse(text) as {
    metrics: Array<{
      name: string;
      value: number;
      metric_type: string;
      unit: string;
      timestamp: string;
      attributes: Array<{ key: string; value: AttributeValue }>;
    }>;
  };
  return metrics.map((m) => ({
    name: m.name,
    value: m.value,
    type: m.metric_type,
    unit: m.unit,
    timeNs: BigInt(m.timestamp),
    attributes: m.attributes.map((a) => [a.key, a.value] as const),
  }));
}
