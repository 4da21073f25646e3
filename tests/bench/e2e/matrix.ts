/**
 * Which cells a bench run measures, from its flags. The full matrix is the
 * default; `--quick` is a small subset that still touches every system.
 *
 *   --quick                 QoS 1, max and 1k/s, 100 B, bridge and map, 1 + 3 s per cell
 *   --qos 0,1               --rates max,1k,5k,10k (or 100)  --sizes 100,4096
 *   --graphs bridge,map,chain,window                  --systems weir,relay,benthos
 *   --steady 6              --warmup 2  (seconds per cell; each cell on a freshly started system)
 *   --nodelay               the broker sends small packets at once (set_tcp_nodelay true)
 *
 * @module
 */
import { parseArgs } from "node:util";

/** A system under test. */
export type System = "weir" | "relay" | "benthos";

/** An offered load: 0 msg/s stands for "max" (closed loop). */
export interface Rate {
  readonly label: string;
  readonly perS: number;
}

/** The selected cells and how long each runs. */
export interface Matrix {
  readonly qos: readonly (0 | 1)[];
  readonly rates: readonly Rate[];
  readonly sizes: readonly number[];
  readonly graphs: readonly string[];
  readonly systems: readonly System[];
  readonly warmupS: number;
  readonly steadyS: number;
  readonly quick: boolean;
  /** The broker turns Nagle's algorithm off (mosquitto's `set_tcp_nodelay`). */
  readonly nodelay: boolean;
}

const RATES: Readonly<Record<string, number>> = {
  max: 0,
  "100": 100,
  "1k": 1_000,
  "5k": 5_000,
  "10k": 10_000,
};
const GRAPHS = ["bridge", "map", "chain", "window"];
const SYSTEMS: readonly System[] = ["weir", "relay", "benthos"];

function list(text: string, allowed: readonly string[], flag: string): string[] {
  const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const item of items) {
    if (!allowed.includes(item)) {
      throw new Error(`--${flag}: "${item}" is not one of ${allowed.join(", ")}`);
    }
  }
  return items;
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!(n > 0)) throw new Error(`--${flag}: "${text}" is not a positive number`);
  return n;
}

/** Reads the flags; throws with a one-line message on a bad one. */
export function parseMatrix(args: string[]): Matrix {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      nodelay: { type: "boolean", default: false },
      qos: { type: "string" },
      rates: { type: "string" },
      sizes: { type: "string" },
      graphs: { type: "string" },
      systems: { type: "string" },
      steady: { type: "string" },
      warmup: { type: "string" },
    },
  });
  const quick = values.quick ?? false;
  const sizes = (values.sizes ?? (quick ? "100" : "100,4096")).split(",").map((s) =>
    positive(s, "sizes")
  );
  return {
    quick,
    nodelay: values.nodelay ?? false,
    qos: list(values.qos ?? (quick ? "1" : "0,1"), ["0", "1"], "qos").map((q) => q === "1" ? 1 : 0),
    rates: list(values.rates ?? (quick ? "max,1k" : "max,1k,5k,10k"), Object.keys(RATES), "rates")
      .map((label) => ({ label, perS: RATES[label]! })),
    sizes,
    graphs: list(values.graphs ?? (quick ? "bridge,map" : GRAPHS.join(",")), GRAPHS, "graphs"),
    systems: list(values.systems ?? SYSTEMS.join(","), SYSTEMS, "systems") as System[],
    warmupS: positive(values.warmup ?? (quick ? "1" : "2"), "warmup"),
    steadyS: positive(values.steady ?? (quick ? "3" : "6"), "steady"),
  };
}
