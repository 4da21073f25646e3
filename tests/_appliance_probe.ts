/**
 * Run beside an installed gateway (tests/install_test.ts): waits for its admin
 * API, sends temperature readings through its MQTT broker and collects what
 * comes out, reads /metrics, and prints one JSON line with what it saw.
 *
 *     deno run -A tests/_appliance_probe.ts <mqtt-url> <admin-url> <metrics-url> <count> [<wait-ms>]
 *
 * @module
 */
import mqtt from "mqtt";

const [brokerUrl, adminUrl, metricsUrl, countText, waitText] = Deno.args;
const count = Number(countText ?? "3");
/** How long the gateway may take to serve its admin API (long under emulation). */
const waitMs = Number(waitText ?? "90000");
const started = performance.now();

async function until<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

const result: Record<string, unknown> = {};
try {
  result.health = await until("admin health", waitMs, async () => {
    const res = await fetch(`${adminUrl}/api/health`);
    const body = await res.json();
    return res.ok && body.endpointsDown?.length === 0 ? body : undefined;
  });
  result.readyMs = Math.round(performance.now() - started);
  const client = await mqtt.connectAsync(brokerUrl!, { protocolVersion: 5 });
  const received: string[] = [];
  client.on("message", (_t, payload) => received.push(new TextDecoder().decode(payload)));
  await client.subscribeAsync("processed/#", { qos: 1 });
  for (let i = 0; i < count; i++) {
    await client.publishAsync(
      `sensors/oven-${i}`,
      JSON.stringify({ temperature: { value: 212 + i * 9, unit: "F" } }),
      { qos: 1 },
    );
  }
  await until(
    "results",
    Math.max(30_000, waitMs / 3),
    () => Promise.resolve(received.length >= count ? true : undefined),
  );
  result.received = received;
  await client.endAsync();
  const metrics = await (await fetch(metricsUrl!)).text();
  result.metricsLines = metrics.split("\n").filter((l) => l.startsWith("weir_")).length;
} catch (error) {
  result.error = error instanceof Error ? error.message : String(error);
}
// deno-lint-ignore no-console
console.log(JSON.stringify(result));
