// deno-lint-ignore-file no-console -- a bench process reports on standard output
/**
 * The bare relay the gateway is compared with: one mqtt.js client that
 * subscribes to `bench/in` and publishes every message to `bench/out`, as is
 * ("bridge") or through the temperature map's conversion done in JavaScript
 * ("map"). No queue, no graph; incoming QoS 1 messages are acknowledged on
 * receipt, so it is not at-least-once: it is the floor any bridge pays.
 *
 *   relay.ts <broker url> <qos 0|1> <bridge|map>
 *
 * @module
 */
import mqtt from "mqtt";
import { convertReading } from "./payload.ts";

const [url, qosText, mode] = Deno.args;
const qos = qosText === "1" ? 1 : 0;
const client = await mqtt.connectAsync(url!, {
  protocolVersion: 5,
  clientId: `bench-relay-${Deno.pid}`,
  properties: { receiveMaximum: 1000 },
});
client.on("message", (_topic, payload) => {
  client.publish("bench/out", mode === "map" ? convertReading(payload) : payload, { qos });
});
await client.subscribeAsync("bench/in", { qos });
console.log("ready");
const stop = () => client.endAsync().finally(() => Deno.exit(0));
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
