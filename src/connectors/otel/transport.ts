/**
 * Delivers an OTLP export request: over HTTP (`POST <url>/v1/metrics`,
 * `application/x-protobuf`) or gRPC (`MetricsService/Export` over HTTP/2,
 * `node:http2`). The answer is sorted as OTLP says: success; a refusal that
 * a retry cannot fix (the data is dropped, with the reason); or a failure
 * worth retrying (unreachable, 429, 502–504, gRPC UNAVAILABLE and kin).
 *
 * @module
 */
import { defined } from "../../base/mod.ts";
import http2 from "node:http2";
import { Buffer } from "node:buffer";

/** How an export ended. */
export type ExportOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly retry: boolean; readonly reason: string };

/** Sends one export request. */
export interface OtlpTransport {
  send(body: Uint8Array, timeoutMs: number): Promise<ExportOutcome>;
  close(): void;
}

/** TLS material for https:// and grpcs://, read. */
export interface TransportTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

const RETRY_HTTP = new Set([429, 502, 503, 504]);
/** gRPC codes OTLP retries: CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS. */
const RETRY_GRPC = new Set([1, 4, 8, 10, 11, 14, 15]);

/** OTLP/HTTP with protobuf bodies. */
export function httpTransport(
  url: string,
  headers: Readonly<Record<string, string>>,
  tls: TransportTls | undefined,
): OtlpTransport {
  const client = tls === undefined ? undefined : Deno.createHttpClient({
    ...(tls.ca === undefined ? {} : { caCerts: [tls.ca] }),
    ...(tls.cert === undefined || tls.key === undefined ? {} : { cert: tls.cert, key: tls.key }),
  });
  const target = `${url}/v1/metrics`;
  return {
    async send(body, timeoutMs) {
      let response: Response;
      try {
        response = await fetch(target, {
          method: "POST",
          headers: { ...headers, "content-type": "application/x-protobuf" },
          body: new Uint8Array(body),
          signal: AbortSignal.timeout(timeoutMs),
          ...defined({ client }),
        });
      } catch (error) {
        return {
          ok: false,
          retry: true,
          reason: error instanceof Error ? error.message : String(error),
        };
      }
      const text = await response.text().catch(() => "");
      if (response.ok) return { ok: true };
      const reason = `HTTP ${response.status}${text === "" ? "" : `: ${text.slice(0, 200)}`}`;
      return { ok: false, retry: RETRY_HTTP.has(response.status), reason };
    },
    close() {
      client?.close();
    },
  };
}

/** OTLP/gRPC: one HTTP/2 session, reopened when it closes. */
export function grpcTransport(
  url: string,
  headers: Readonly<Record<string, string>>,
  tls: TransportTls | undefined,
): OtlpTransport {
  const authority = url.replace(/^grpcs?:\/\//, url.startsWith("grpcs:") ? "https://" : "http://");
  let session: http2.ClientHttp2Session | undefined;
  const open = () => {
    if (session !== undefined && !session.closed && !session.destroyed) return session;
    const s = http2.connect(authority, {
      ...(tls?.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls?.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls?.key === undefined ? {} : { key: tls.key }),
    });
    s.on("error", () => {}); // each request reports its own failure
    s.on("close", () => {
      if (session === s) session = undefined;
    });
    session = s;
    return s;
  };
  const lowered = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    send(body, timeoutMs) {
      return new Promise<ExportOutcome>((resolve) => {
        let done = false;
        const finish = (outcome: ExportOutcome) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(outcome);
        };
        const timer = setTimeout(() => {
          finish({ ok: false, retry: true, reason: `no answer within ${timeoutMs} ms` });
          session?.destroy();
        }, timeoutMs);
        let s: http2.ClientHttp2Session;
        try {
          s = open();
        } catch (error) {
          finish({ ok: false, retry: true, reason: String(error) });
          return;
        }
        const frame = Buffer.alloc(5 + body.byteLength);
        frame.writeUInt8(0, 0);
        frame.writeUInt32BE(body.byteLength, 1);
        frame.set(body, 5);
        const req = s.request({
          ...lowered,
          ":method": "POST",
          ":path": "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
          "content-type": "application/grpc",
          te: "trailers",
        });
        let status: string | undefined;
        let message = "";
        let httpStatus = 0;
        req.on("response", (h) => {
          httpStatus = Number(h[":status"] ?? 0);
          if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
          if (h["grpc-message"] !== undefined) {
            message = decodeURIComponent(String(h["grpc-message"]));
          }
        });
        req.on("trailers", (h) => {
          if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
          if (h["grpc-message"] !== undefined) {
            message = decodeURIComponent(String(h["grpc-message"]));
          }
        });
        req.on("data", () => {});
        req.on("error", (error) => finish({ ok: false, retry: true, reason: error.message }));
        req.on("close", () => {
          if (status === "0") return finish({ ok: true });
          if (status === undefined) {
            return finish({
              ok: false,
              retry: true,
              reason: httpStatus === 0
                ? "no answer"
                : `HTTP/2 status ${httpStatus} without a gRPC status`,
            });
          }
          const code = Number(status);
          finish({
            ok: false,
            retry: RETRY_GRPC.has(code),
            reason: `gRPC status ${code}${message === "" ? "" : `: ${message}`}`,
          });
        });
        req.end(frame);
      });
    },
    close() {
      session?.close();
      session = undefined;
    },
  };
}
