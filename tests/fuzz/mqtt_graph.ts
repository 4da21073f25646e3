/**
 * Fuzz target: MQTT messages through a graph. Each case is a few messages
 * (payload bytes of every kind, topic, content type, user properties with
 * and without `__ts`) made into records by the MQTT source's
 * `messageToRecord()`, then run by the offline runner through
 * graphs/temperature.yaml, in-thread or (one case in ten) in an isolation
 * worker. Every message must end as exactly one output or one dead letter
 * with a reason; the run must neither throw nor hang. The compiled module is
 * kept across cases (the runner's cache), so a case costs milliseconds.
 *
 * @module
 */
import fc from "fast-check";
import { join } from "node:path";
import { HlcClock } from "../../src/base/mod.ts";
import { messageToRecord, TIMESTAMP_PROPERTY } from "../../src/connectors/mod.ts";
import { collectingSideOutputs, type Rec } from "../../src/engine/mod.ts";
import { runOffline } from "../../src/gateway/mod.ts";
import { type GraphDefinition, parseGraph } from "../../src/graph/mod.ts";
import { silentLogger } from "../../src/telemetry/mod.ts";
import { MODULES_DIR, modulesBuilt } from "../_modules.ts";
import { ROOT } from "../_samples.ts";
import type { FuzzTarget } from "./_target.ts";

/** One message as the broker would hand it over. */
export interface FuzzMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly contentType: string | null;
  readonly userProperties: ReadonlyArray<readonly [string, string]>;
}

/** One case: the messages, how they are batched, and where the module runs. */
export interface MqttGraphCase {
  readonly messages: readonly FuzzMessage[];
  readonly batchSize: number;
  readonly isolation: "none" | "worker";
}

const GRAPH_FILE = join(ROOT, "graphs/temperature.yaml");
const GRAPH: GraphDefinition = parseGraph(Deno.readTextFileSync(GRAPH_FILE), GRAPH_FILE);
const encoder = new TextEncoder();
const NOW = 1_767_225_600_000;

const numberArb = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1209, -459.67, 1e308, -1e308, 5e-324, 0, -0, 2 ** 53 + 1),
);

/** Readings the module converts, nearly-readings it must refuse, and other JSON. */
const jsonArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      temperature: fc.record({
        value: fc.oneof(numberArb, fc.string({ maxLength: 8 }), fc.constant(null)),
        unit: fc.oneof(fc.constantFrom("F", "C", "K", "f", ""), fc.string({ maxLength: 4 })),
      }, { requiredKeys: [] }),
    }, { requiredKeys: [] }),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const payloadArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 5, arbitrary: jsonArb.map((v) => encoder.encode(JSON.stringify(v) ?? "null")) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      new Uint8Array(),
      new Uint8Array([0xff, 0xfe, 0xfd]),
      encoder.encode('{"temperature":{"value":1209,"unit":"F"}'),
      encoder.encode(`${"[".repeat(10_000)}${"]".repeat(10_000)}`),
      encoder.encode(`{"temperature":{"value":${"9".repeat(400)},"unit":"F"}}`),
      encoder.encode(
        JSON.stringify({ temperature: { value: 1, unit: "F" }, pad: "x".repeat(65_536) }),
      ),
    ),
  },
);

const propertyArb: fc.Arbitrary<readonly [string, string]> = fc.oneof(
  fc.tuple(
    fc.constantFrom("test_property_key", "k", "", "__weirId", TIMESTAMP_PROPERTY),
    fc.string({ maxLength: 20 }),
  ),
  fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 })),
  fc.constant([TIMESTAMP_PROPERTY, `${NOW - 5_000}:3:dev`] as const),
  fc.constant(["\ud800\u0000", "\udfff".repeat(3)] as const),
);

const messageArb: fc.Arbitrary<FuzzMessage> = fc.record({
  topic: fc.oneof(
    fc.constantFrom("sensors/t1", "a/b/c", "x"),
    fc.string({ minLength: 1, maxLength: 30 }),
  ),
  payload: payloadArb,
  contentType: fc.oneof(
    fc.constant(null),
    fc.constantFrom("application/json", ""),
    fc.string({ maxLength: 20 }),
  ),
  userProperties: fc.array(propertyArb, { maxLength: 5 }),
});

const arbitrary: fc.Arbitrary<MqttGraphCase> = fc.record({
  messages: fc.array(messageArb, { minLength: 1, maxLength: 6 }),
  batchSize: fc.integer({ min: 1, max: 4 }),
  isolation: fc.oneof(
    { weight: 9, arbitrary: fc.constant("none" as const) },
    { weight: 1, arbitrary: fc.constant("worker" as const) },
  ),
});

const ready = modulesBuilt("temperature");

/** The target. */
export const mqttGraphTarget: FuzzTarget<MqttGraphCase> = {
  name: "mqtt-graph",
  description: "MQTT payloads and user properties through graphs/temperature.yaml (runOffline)",
  arbitrary,
  // A case in a worker starts one (about 0.2 s), which a busy machine may slow down.
  timeoutMs: 10_000,
  ...(ready ? {} : { skip: `temperature not built in ${MODULES_DIR}; run deno task modules` }),
  async property(value: MqttGraphCase): Promise<void> {
    const clock = new HlcClock("weir-fuzz", { now: () => NOW });
    const records: Rec[] = value.messages.map((m) =>
      messageToRecord({ ...m, qos: 1, duplicate: false, ack: () => {} }, clock).record
    );
    const side = collectingSideOutputs();
    let outputs = 0;
    await runOffline({
      graph: GRAPH,
      modulesDir: MODULES_DIR,
      config: new Map(),
      log: silentLogger,
      onOutput: (r) => {
        if (r.data.kind !== "message") throw new Error(`An output of kind ${r.data.kind}`);
        outputs++;
      },
      side,
      batchSize: value.batchSize,
      isolation: value.isolation,
      deadlineMs: 5_000,
      wasiNn: false,
    }, records);
    if (side.lates.length > 0) throw new Error(`${side.lates.length} records were late`);
    for (const d of side.deadLetters) {
      if (typeof d.reason !== "string" || d.reason === "") {
        throw new Error("A dead letter without a reason");
      }
    }
    const ended = outputs + side.deadLetters.length;
    if (ended !== records.length) {
      throw new Error(
        `${records.length} messages ended as ${outputs} outputs and ${side.deadLetters.length} dead letters`,
      );
    }
  },
};
