/**
 * A small demo sensor for `deno task start`: publishes a temperature reading
 * in °F every interval, so the default graph has something to convert.
 *
 * @module
 */
import mqtt from "mqtt";

/** A running demo sensor. */
export interface DemoSensor {
  /** The topic it publishes to. */
  readonly topic: string;
  /** Readings published so far. */
  readonly published: number;
  stop(): Promise<void>;
}

/** Options for {@linkcode startDemoSensor}. */
export interface DemoSensorOptions {
  /** The broker, e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  /** @default "sensors/demo-1" */
  topic?: string;
  /** @default 1000 */
  intervalMs?: number;
}

/** Connects and starts publishing readings between 60 and 110 °F. */
export async function startDemoSensor(options: DemoSensorOptions): Promise<DemoSensor> {
  const topic = options.topic ?? "sensors/demo-1";
  const client = await mqtt.connectAsync(options.url, {
    protocolVersion: 4,
    clientId: `weir-demo-sensor-${crypto.randomUUID().slice(0, 8)}`,
  });
  let published = 0;
  const publish = () => {
    const value = Math.round((60 + Math.random() * 50) * 10) / 10;
    client.publish(
      topic,
      JSON.stringify({ temperature: { value, unit: "F" } }),
      { qos: 1 },
      (error) => {
        if (!error) published++;
      },
    );
  };
  publish();
  const timer = setInterval(publish, options.intervalMs ?? 1000);
  return {
    topic,
    get published() {
      return published;
    },
    stop: async () => {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}
