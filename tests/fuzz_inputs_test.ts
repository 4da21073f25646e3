/**
 * Fuzzing of what reaches the gateway from files and the network besides
 * OCI artifacts: graph YAML, gateway configuration, `__ts` values, and MQTT
 * messages through a graph. 200 generated cases per target, each of which
 * must hold the target's property within its deadline. A failure prints the
 * seed and the shrunk input; `FUZZ_SEED=<n>` replays a run.
 * tests/bench/fuzz_bench.ts runs 10,000 cases per target.
 */
import fc from "fast-check";
import { runCase, targetsNamed } from "./fuzz/mod.ts";

const seed = Deno.env.get("FUZZ_SEED");

for (const target of targetsNamed(["graph-", "gateway-", "hlc-", "mqtt-"])) {
  Deno.test({
    name: `fuzz ${target.name}: 200 cases hold` +
      (target.skip === undefined ? "" : ` (skipped: ${target.skip})`),
    ignore: target.skip !== undefined,
    fn: async () => {
      await fc.assert(
        fc.asyncProperty(target.arbitrary, async (value) => {
          const outcome = await runCase(target, value, target.timeoutMs ?? 1_000);
          if (!outcome.ok) throw new Error(`${outcome.kind}: ${outcome.message}`);
        }),
        { numRuns: 200, ...(seed === undefined ? {} : { seed: Number(seed) }) },
      );
    },
  });
}
