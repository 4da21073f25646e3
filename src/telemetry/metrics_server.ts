/**
 * The `/metrics` endpoint: the Prometheus text of one {@linkcode Metrics},
 * served on a loopback port. A port in use is a one-line error naming the
 * flag that changes it.
 *
 * @module
 */
import { listenError } from "../base/mod.ts";
import type { Metrics } from "./metrics.ts";
import { renderPrometheus } from "./prometheus.ts";

/** A running `/metrics` endpoint. */
export interface MetricsServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/metrics`. */
  readonly url: string;
}

/** Serves `metrics` on 127.0.0.1:`port` (0 for any free port). */
export function serveMetrics(metrics: Metrics, port: number): MetricsServer {
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen: () => {} },
      (req) =>
        new URL(req.url).pathname === "/metrics"
          ? new Response(renderPrometheus(metrics), {
            headers: { "content-type": "text/plain; version=0.0.4" },
          })
          : new Response("Not found\n", { status: 404 }),
    );
  } catch (error) {
    throw listenError(error, { what: "Metrics", host: "127.0.0.1", port, fix: "--metrics-port" });
  }
  return {
    url: `http://127.0.0.1:${server.addr.port}/metrics`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
