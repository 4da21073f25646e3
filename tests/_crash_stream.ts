/**
 * The stream of the kill -9 tests: readings 0 … total−1 published at QoS 1 in
 * windows of 500 (so the broker is never swamped), each with a device `__ts`
 * that follows the wall clock and a counter that keeps it distinct; after the
 * windows ending at `crashAfter`, the caller's `crash` kills and restarts the
 * gateway.
 *
 * @module
 */
import type { MqttClient } from "mqtt";

const WINDOW = 500;

/** What {@linkcode publishThroughCrashes} sends and when it crashes the gateway. */
export interface CrashStream {
  readonly pub: MqttClient;
  readonly topic: string;
  readonly total: number;
  /** Message counts after which `crash` runs (multiples of 500). */
  readonly crashAfter: readonly number[];
  /** Kills the gateway with SIGKILL and starts it again. */
  readonly crash: () => Promise<void>;
}

/** Publishes the stream; resolves once every reading was acknowledged by the broker. */
export async function publishThroughCrashes(s: CrashStream): Promise<void> {
  for (let i = 0; i < s.total; i += WINDOW) {
    const sends = [];
    for (let j = i; j < Math.min(i + WINDOW, s.total); j++) {
      sends.push(
        s.pub.publishAsync(s.topic, JSON.stringify({ temperature: { value: j, unit: "C" } }), {
          qos: 1,
          properties: { userProperties: { __ts: `${Date.now()}:${j}:dev` } },
        }),
      );
    }
    await Promise.all(sends);
    if (s.crashAfter.includes(i + WINDOW)) await s.crash();
  }
}
