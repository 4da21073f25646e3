/**
 * Fuzz target: `__ts` values, the one piece of message metadata that moves
 * the gateway's clocks. A case is a wall clock that steps (backwards too)
 * and a run of steps on one source clock: a message whose user properties
 * hold `__ts` values, near-valid and hostile, through the MQTT source's
 * `messageToRecord()` (parseHlc, then HlcClock.distrust and update); or any
 * HLC-shaped value straight into `HlcClock.update()`. Nothing may throw;
 * every record's time and every clock value must be a valid HLC (a whole,
 * non-negative, safe millisecond time; a whole counter up to
 * HLC_COUNTER_MAX; a string node); the clock never goes back; a `__ts` is
 * taken exactly when it parses and is trusted.
 *
 * @module
 */
import fc from "fast-check";
import {
  compareHlc,
  formatHlc,
  type Hlc,
  HLC_COUNTER_MAX,
  HlcClock,
  parseHlc,
} from "../../src/base/mod.ts";
import { messageToRecord, TIMESTAMP_PROPERTY } from "../../src/connectors/mod.ts";
import type { FuzzTarget } from "./_target.ts";

/** One step on the source clock. */
export type HlcStep =
  | {
    readonly kind: "message";
    /** Wall-clock change before the step, in ms. */
    readonly tick: number;
    readonly userProperties: ReadonlyArray<readonly [string, string]>;
  }
  | { readonly kind: "update"; readonly tick: number; readonly value: Hlc };

/** One case: where the wall clock starts, the allowed drift and the steps. */
export interface HlcCase {
  readonly start: number;
  readonly maxDriftMs: number;
  readonly steps: readonly HlcStep[];
}

const NOW = 1_767_225_600_000; // 2026-01-01

const msArb = fc.oneof(
  fc.integer({ min: NOW - 86_400_000, max: NOW + 120_000 }),
  fc.constantFrom(0, 1, NOW, NOW + 60_000, NOW + 60_001, Number.MAX_SAFE_INTEGER),
  fc.nat(),
);
const counterArb = fc.oneof(
  fc.nat({ max: 10 }),
  fc.constantFrom(HLC_COUNTER_MAX - 1, HLC_COUNTER_MAX, HLC_COUNTER_MAX + 1, 99_999),
  fc.nat(),
);
const nodeArb = fc.oneof(
  fc.constantFrom("", "weir-src", "dev:1", "node\u0000", "\ud800", "x".repeat(300)),
  fc.string({ maxLength: 16 }),
);

/** `__ts` texts: valid, unpadded, damaged, and anything at all. */
const tsArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(msArb, counterArb, nodeArb).map(([ms, c, n]) =>
      formatHlc({ ms, counter: c, node: n })
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(msArb, counterArb, nodeArb).map(([ms, c, n]) => `${ms}:${c}:${n}`),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      msArb,
      counterArb,
      fc.nat(),
      fc.constantFrom("", ":", "-", "+", " ", "e9", "0x", ".5", "١", "\n"),
    ).map(
      ([ms, c, at, insert]) => {
        const text = `${ms}:${c}:n`;
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i);
      },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      ":",
      "::",
      "1::",
      ":1:",
      "9".repeat(30) + ":0:n",
      "1:" + "9".repeat(30) + ":n",
      "-1:0:n",
      "1e3:0:n",
      "Infinity:0:n",
      "NaN:NaN:n",
      "0001767225600000:00000:a:b:c",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const propertyArb: fc.Arbitrary<readonly [string, string]> = fc.oneof(
  { weight: 3, arbitrary: tsArb.map((v) => [TIMESTAMP_PROPERTY, v] as const) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom("__ts ", "__TS", "ts", "k", ""),
      fc.string({ maxLength: 10 }),
    ),
  },
);

/** HLC-shaped values, whole and not: what a careless caller could hand `update()`. */
const looseHlcArb: fc.Arbitrary<Hlc> = fc.record({
  ms: fc.oneof(msArb, fc.double(), fc.constantFrom(-1, -Infinity, Infinity, NaN, NOW + 0.5)),
  counter: fc.oneof(counterArb, fc.double(), fc.constantFrom(-1, 0.5, Infinity, NaN)),
  node: nodeArb,
});

const tickArb = fc.oneof(
  fc.integer({ min: 0, max: 1_000 }),
  fc.constantFrom(-3_600_000, -1, 0, 60_001),
);

const stepArb: fc.Arbitrary<HlcStep> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("message" as const),
      tick: tickArb,
      userProperties: fc.array(propertyArb, { maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      tick: tickArb,
      value: looseHlcArb,
    }),
  },
);

const arbitrary: fc.Arbitrary<HlcCase> = fc.record({
  start: fc.oneof(fc.constant(NOW), fc.integer({ min: 0, max: 2 ** 47 })),
  maxDriftMs: fc.oneof(fc.constantFrom(0, 60_000), fc.nat({ max: 10 ** 9 })),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 12 }),
});

/** Why `value` is not a valid HLC, or undefined. */
function invalid(value: Hlc): string | undefined {
  if (!(Number.isSafeInteger(value.ms) && value.ms >= 0)) return `time ${value.ms}`;
  if (
    !(Number.isInteger(value.counter) && value.counter >= 0 && value.counter <= HLC_COUNTER_MAX)
  ) {
    return `counter ${value.counter}`;
  }
  if (typeof value.node !== "string") return `node ${String(value.node)}`;
  return undefined;
}

function mustBeValid(what: string, value: Hlc): void {
  const why = invalid(value);
  if (why !== undefined) {
    throw new Error(`${what} is not a valid HLC (${why}): ${JSON.stringify(value)}`);
  }
}

const message = (userProperties: ReadonlyArray<readonly [string, string]>) => ({
  topic: "sensors/t",
  payload: new Uint8Array(),
  qos: 1 as const,
  duplicate: false,
  contentType: null,
  userProperties,
  ack: () => {},
});

/** The target. */
export const hlcTsTarget: FuzzTarget<HlcCase> = {
  name: "hlc-ts",
  description:
    "__ts values: parseHlc, HlcClock.distrust/update and the MQTT source's messageToRecord",
  arbitrary,
  property(value: HlcCase): void {
    let now = value.start;
    const clock = new HlcClock("weir-src", { now: () => now, maxDriftMs: value.maxDriftMs });
    let last = clock.current;
    for (const step of value.steps) {
      now = Math.max(0, now + step.tick);
      if (step.kind === "update") {
        mustBeValid("update()", clock.update(step.value));
      } else {
        const { record, warning } = messageToRecord(message(step.userProperties), clock);
        mustBeValid("The record's time", record.time);
        const ts = step.userProperties.find(([k]) => k === TIMESTAMP_PROPERTY)?.[1];
        const parsed = ts === undefined ? undefined : parseHlc(ts);
        const trusted = parsed !== undefined && typeof parsed !== "string" &&
          invalid(parsed) === undefined && parsed.ms <= now + value.maxDriftMs;
        if (trusted !== (ts !== undefined && warning === undefined)) {
          throw new Error(`__ts "${ts}" was ${trusted ? "refused" : "taken"} (${warning})`);
        }
        if (trusted && compareHlc(record.time, parsed) !== 0) {
          throw new Error(`__ts "${ts}" became ${formatHlc(record.time)}`);
        }
        if (!trusted && record.time.node !== "weir-src") {
          throw new Error(`An arrival stamp has node "${record.time.node}"`);
        }
        const stamp = record.data.kind === "message" ? record.data.timestamp : undefined;
        if (
          stamp === undefined || stamp.secs * 1000 + stamp.nanos / 1e6 !== record.time.ms ||
          stamp.counter !== record.time.counter || stamp.node !== record.time.node
        ) {
          throw new Error(
            `The message timestamp ${JSON.stringify(stamp)} is not the record's time`,
          );
        }
      }
      mustBeValid("The clock", clock.current);
      if (compareHlc(clock.current, last) < 0 && clock.current.node === last.node) {
        throw new Error(
          `The clock went back from ${formatHlc(last)} to ${formatHlc(clock.current)}`,
        );
      }
      last = clock.current;
    }
  },
};
