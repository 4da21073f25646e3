import assert from "node:assert/strict";
import { hlc, type Message } from "../src/base/mod.ts";
import { Failure, type Rec } from "../src/engine/mod.ts";
import { jsonLogger, Metrics } from "../src/telemetry/mod.ts";
import { compileModule, createWasmOperator, type HostServices } from "../src/wasm/mod.ts";
import { modulePath, modulesBuilt, modulesNote } from "./_modules.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function message(payload: string, props: [string, string][] = []): Message {
  return {
    kind: "message",
    timestamp: { secs: 1758255553, nanos: 528_123_456, counter: 0, node: "df" },
    topic: enc.encode("sensors/t1"),
    contentType: "application/json",
    payload: enc.encode(payload),
    userProperties: props,
    schema: null,
  };
}

function services(lines: string[] = []): HostServices {
  return {
    log: jsonLogger({ write: (l) => lines.push(l), level: "debug" }).child({ operation: "test" }),
    metrics: new Metrics(),
    labels: { graph: "g", operation: "test" },
  };
}

const ready = modulesBuilt("temperature", "temperature-v1", "window");

async function mapOf(name: string) {
  const bytes = await Deno.readFile(modulePath(name));
  const module = await compileModule(bytes, name);
  return createWasmOperator(module, {
    operation: "module-temperature/map",
    kind: "map",
    properties: [],
    services: services(),
  });
}

async function mapPayload(name: string, payload: string, props: [string, string][] = []) {
  const op = await mapOf(name);
  assert.equal(op.kind, "map");
  if (op.kind !== "map") throw new Error("unreachable");
  const rec: Rec = { time: hlc(1758255553528, 0, "df"), data: message(payload, props) };
  const [out] = await op.process([rec]);
  if (out instanceof Failure) throw new Error(out.reason);
  if (!out || out.kind !== "message") throw new Error("expected a message");
  return out;
}

Deno.test({
  name: "temperature map converts °F to °C byte-exactly (T01, T01b)" + modulesNote("temperature"),
  ignore: !ready,
  fn: async () => {
    const t01 = await mapPayload("temperature", '{"temperature":{"value":1209,"unit":"F"}}');
    assert.equal(
      dec.decode(t01.payload),
      '{"temperature":{"value":653.8888888888889,"count":0,"max":0.0,"min":0.0,"average":0.0,"last":0.0,"unit":"C","overtemp":false}}',
    );
    const t01b = await mapPayload("temperature", '{"temperature":{"value":100.0,"unit":"F"}}');
    assert.match(dec.decode(t01b.payload), /"value":37\.77777777777778,/);
  },
});

Deno.test({
  name:
    "temperature map passes Celsius through unchanged and rewrites the test property (T01c, T01d)" +
    modulesNote("temperature"),
  ignore: !ready,
  fn: async () => {
    const input = '{"temperature":{"value":50,"unit":"C"}}';
    const out = await mapPayload("temperature", input, [["test_property_key", "x"], [
      "other",
      "y",
    ]]);
    assert.equal(dec.decode(out.payload), input);
    assert.deepEqual(Object.fromEntries(out.userProperties), {
      test_property_key: "new_value",
      other: "y",
    });
    assert.equal(dec.decode(out.topic), "sensors/t1");
  },
});

Deno.test({
  name: "a module built against the 1.0.0 ABI gives the same output (T27)" +
    modulesNote("temperature-v1"),
  ignore: !ready,
  fn: async () => {
    const input = '{"temperature":{"value":1209,"unit":"F"}}';
    const v1 = await mapPayload("temperature-v1", input);
    const v11 = await mapPayload("temperature", input);
    assert.equal(dec.decode(v1.payload), dec.decode(v11.payload));
  },
});

Deno.test({
  name: "window delay rounds up to the next 10 s, counter 0 (T13, T13b)" + modulesNote("window"),
  ignore: !ready,
  fn: async () => {
    const module = await compileModule(await Deno.readFile(modulePath("window")), "window");
    const op = await createWasmOperator(module, {
      operation: "module-window/delay",
      kind: "delay",
      properties: [],
      services: services(),
    });
    if (op.kind !== "delay") throw new Error("expected delay");
    const exact = message("{}");
    const onBoundary: Message = {
      ...exact,
      timestamp: { ...exact.timestamp, secs: 1758255560, nanos: 0 },
    };
    const out = await op.process([
      { time: hlc(1758255553528, 3, "df"), data: exact },
      { time: hlc(1758255560000, 2, "df"), data: onBoundary },
    ]);
    assert.deepEqual(out, [hlc(1758255560000, 0, "df"), hlc(1758255560000, 0, "df")]);
  },
});

Deno.test({
  name: "createWasmOperator() refuses an operation kind the module does not export" +
    modulesNote("window"),
  ignore: !ready,
  fn: async () => {
    const module = await compileModule(await Deno.readFile(modulePath("window")), "window");
    await assert.rejects(
      createWasmOperator(module, {
        operation: "w",
        kind: "map",
        properties: [],
        services: services(),
      }),
      /Operation "w" needs a map operator, but module "window" exports only delay/,
    );
  },
});
