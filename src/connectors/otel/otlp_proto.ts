/**
 * OTLP metrics in protobuf (`opentelemetry/proto/collector/metrics/v1`):
 * just the fields Weir sends — an `ExportMetricsServiceRequest` with one
 * resource, one scope, and per metric one gauge or monotonic cumulative sum
 * data point with attributes. Written by hand: the messages are few and
 * fixed, and a protobuf runtime would be a dependency for fifty lines.
 *
 * @module
 */
import type { AttributeValue, MetricPoint } from "./payload.ts";

const encoder = new TextEncoder();

/** Protobuf wire writer for nested messages. */
class Writer {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): void {
    this.#parts.push(bytes);
    this.#length += bytes.byteLength;
  }

  #varint(value: bigint | number): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.#push(Uint8Array.from(out));
  }

  #tag(field: number, wire: number): void {
    this.#varint((field << 3) | wire);
  }

  /** A length-delimited field (string, bytes or message). */
  bytes(field: number, bytes: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(bytes.byteLength);
    this.#push(bytes);
    return this;
  }

  string(field: number, text: string): this {
    return text === "" ? this : this.bytes(field, encoder.encode(text));
  }

  message(field: number, inner: Writer): this {
    return this.bytes(field, inner.finish());
  }

  varint(field: number, value: bigint | number): this {
    this.#tag(field, 0);
    this.#varint(value);
    return this;
  }

  fixed64(field: number, value: bigint): this {
    this.#tag(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.#push(b);
    return this;
  }

  double(field: number, value: number): this {
    this.#tag(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.#push(b);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

function anyValue(value: AttributeValue): Writer {
  const w = new Writer();
  if (typeof value === "string") return w.bytes(1, encoder.encode(value));
  if (typeof value === "boolean") return w.varint(2, value ? 1 : 0);
  return Number.isInteger(value) ? w.varint(3, value) : w.double(4, value);
}

function keyValue(key: string, value: AttributeValue): Writer {
  return new Writer().string(1, key).message(2, anyValue(value));
}

/** Whether a metric type exports as a monotonic sum (else a gauge). */
export function isSum(type: string): boolean {
  const t = type.toLowerCase();
  return t === "counter" || t === "sum";
}

function metric(point: MetricPoint): Writer {
  const dataPoint = new Writer();
  for (const [k, v] of point.attributes) dataPoint.message(7, keyValue(k, v));
  dataPoint.fixed64(3, point.timeNs).double(4, point.value);
  const m = new Writer().string(1, point.name).string(3, point.unit);
  if (isSum(point.type)) {
    // Sum { data_points = 1; aggregation_temporality = 2 (CUMULATIVE); is_monotonic = 3 }
    return m.message(7, new Writer().message(1, dataPoint).varint(2, 2).varint(3, 1));
  }
  return m.message(5, new Writer().message(1, dataPoint)); // Gauge { data_points = 1 }
}

/** An `ExportMetricsServiceRequest` holding `points` under one resource and scope. */
export function exportMetricsRequest(
  points: readonly MetricPoint[],
  resource: Readonly<Record<string, string>>,
  scope: { readonly name: string; readonly version: string },
): Uint8Array {
  const res = new Writer();
  for (const [k, v] of Object.entries(resource)) res.message(1, keyValue(k, v));
  const scopeMetrics = new Writer().message(
    1,
    new Writer().string(1, scope.name).string(2, scope.version),
  );
  for (const p of points) scopeMetrics.message(2, metric(p));
  const resourceMetrics = new Writer().message(1, res).message(2, scopeMetrics);
  return new Writer().message(1, resourceMetrics).finish();
}
