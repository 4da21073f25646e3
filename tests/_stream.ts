/**
 * A steady QoS 1 stream into a broker and a collector at the other end, for
 * the hot-swap test and bench: message i carries `{"temperature":{"value":i,
 * "unit":"C"}}` (which the temperature map passes through unchanged), so the
 * collector can tell which messages arrived, how often, when, and which graph
 * version (from the `__weirId` property) produced each.
 *
 * @module
 */
import mqtt from "mqtt";

/** What the collector saw. */
export interface Collected {
  /** Arrivals per message number. */
  readonly counts: Map<number, number>;
  /** Latency per message number (first arrival), ms. */
  readonly latencyMs: Map<number, number>;
  /** Output ids per graph version (`v1`, `v2`, …). */
  readonly byVersion: Map<string, number>;
  stop(): Promise<void>;
}

/** Subscribes to `topic` and records every arrival. */
export async function collect(
  url: string,
  topic: string,
  sentAt: Map<number, number>,
): Promise<Collected> {
  const counts = new Map<number, number>();
  const latencyMs = new Map<number, number>();
  const byVersion = new Map<string, number>();
  const sub = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `collect-${topic}` });
  sub.on("message", (_t, payload, packet) => {
    const now = performance.now();
    const i = JSON.parse(payload.toString()).temperature.value as number;
    counts.set(i, (counts.get(i) ?? 0) + 1);
    const sent = sentAt.get(i);
    if (sent !== undefined && !latencyMs.has(i)) latencyMs.set(i, now - sent);
    const id = String(packet.properties?.userProperties?.["__weirId"] ?? "");
    const version = /\/(v\d+)\//.exec(id)?.[1] ?? "?";
    byVersion.set(version, (byVersion.get(version) ?? 0) + 1);
  });
  await sub.subscribeAsync(topic, { qos: 1 });
  return { counts, latencyMs, byVersion, stop: () => sub.endAsync() };
}

/**
 * Publishes up to `total` messages at `rate` per second (QoS 1), in 10-ms
 * ticks; `stop` ends it early (checked every tick), so a test can keep the
 * stream going until what it watches for has happened, however slow the
 * machine is. Resolves with the number of messages sent.
 */
export async function steadyStream(
  url: string,
  topic: string,
  options: { rate: number; total: number; sentAt: Map<number, number>; stop?: () => boolean },
): Promise<number> {
  const pub = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `stream-${topic}` });
  const perTick = Math.max(1, Math.round(options.rate / 100));
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  let i = 0;
  while (i < options.total && !(options.stop?.() ?? false)) {
    const due = start + (i / options.rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (let k = 0; k < perTick && i < options.total; k++, i++) {
      options.sentAt.set(i, performance.now());
      pending.push(
        pub.publishAsync(topic, JSON.stringify({ temperature: { value: i, unit: "C" } }), {
          qos: 1,
        }),
      );
    }
  }
  await Promise.all(pending);
  await pub.endAsync();
  return i;
}

export { until } from "./_wait.ts";
