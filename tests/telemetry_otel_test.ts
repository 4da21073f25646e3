import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "./_samples.ts";

Deno.test({
  name: "with OTEL_DENO=true, Weir's metrics reach an OTLP collector through @opentelemetry/api",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const bodies: string[] = [];
    const ac = new AbortController();
    let port = 0;
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: ac.signal,
      onListen: (a) => (port = a.port),
    }, async (req) => {
      if (new URL(req.url).pathname === "/v1/metrics") bodies.push(await req.text());
      else await req.body?.cancel();
      return new Response("{}", { headers: { "content-type": "application/json" } });
    });
    const script = join(ROOT, "tests/fixtures/otel_emit.ts");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-env", "--allow-net=127.0.0.1", script],
      env: {
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_METRIC_EXPORT_INTERVAL: "200",
        OTEL_SERVICE_NAME: "weir-test",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    ac.abort();
    await server.finished;
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const all = bodies.join("\n");
    assert.match(all, /weir_test_records_total/);
    assert.match(all, /weir_test_latency_ms/);
    assert.match(all, /"operation"/);
  },
});
