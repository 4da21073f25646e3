import assert from "node:assert/strict";
import { hlc, type Message } from "../src/base/mod.ts";
import { Failure } from "../src/engine/mod.ts";
import { jsonLogger, Metrics } from "../src/telemetry/mod.ts";
import { compileModule, createIsolatedOperator, type HostServices } from "../src/wasm/mod.ts";
import { modulePath, modulesBuilt, modulesNote } from "./_modules.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function message(payload: string): Message {
  return {
    kind: "message",
    timestamp: { secs: 1, nanos: 0, counter: 0, node: "n" },
    topic: enc.encode("sensors/t1"),
    contentType: null,
    payload: enc.encode(payload),
    userProperties: [["test_property_key", "x"]],
    schema: null,
  };
}

function services(lines: string[], metrics = new Metrics()): HostServices {
  return {
    log: jsonLogger({ write: (l) => lines.push(l), level: "debug" }),
    metrics,
    labels: { graph: "g", operation: "module-temperature/map" },
  };
}

Deno.test({
  name: "an isolated module gives the same outputs as in-thread, and its metrics reach the host" +
    modulesNote("temperature"),
  ignore: !modulesBuilt("temperature"),
  fn: async () => {
    const module = await compileModule(
      await Deno.readFile(modulePath("temperature")),
      "temperature",
    );
    const metrics = new Metrics();
    const op = await createIsolatedOperator(module, {
      operation: "module-temperature/map",
      kind: "map",
      properties: [],
      services: services([], metrics),
    });
    try {
      if (op.kind !== "map") throw new Error("expected map");
      const batch = [1209, 100, 50].map((v, i) => ({
        time: hlc(1000 + i, 0, "n"),
        data: message(JSON.stringify({ temperature: { value: v, unit: v === 50 ? "C" : "F" } })),
      }));
      const out = await op.process(batch);
      assert.equal(out.length, 3);
      const payloads = out.map((o) => {
        if (o instanceof Failure || o.kind !== "message") throw new Error(String(o));
        return dec.decode(o.payload);
      });
      assert.match(payloads[0]!, /"value":653\.8888888888889,/);
      assert.match(payloads[1]!, /"value":37\.77777777777778,/);
      assert.equal(payloads[2], '{"temperature":{"value":50,"unit":"C"}}');
      const first = out[0] as Message;
      assert.deepEqual(first.userProperties, [["test_property_key", "new_value"]]);
      assert.ok(metrics.counters().some((c) => c.labels["operation"] === "module-temperature/map"));
    } finally {
      await op.close?.();
    }
  },
});
