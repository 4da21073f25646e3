/**
 * Fuzzing of what the OCI client reads from outside (manifests, indexes,
 * bundle tars): 200 generated cases per target, each of which must end
 * within a second in success or a clear `WeirError`. A failure prints the
 * seed and the shrunk input; `FUZZ_SEED=<n>` replays a run.
 * tests/bench/fuzz_bench.ts runs 10,000 cases per target.
 */
import fc from "fast-check";
import { runCase, targetsNamed } from "./fuzz/mod.ts";

const seed = Deno.env.get("FUZZ_SEED");

for (const target of targetsNamed(["oci-"])) {
  Deno.test(`fuzz ${target.name}: 200 cases end in success or a clear WeirError`, async () => {
    await fc.assert(
      fc.asyncProperty(target.arbitrary, async (value) => {
        const outcome = await runCase(target, value, 1_000);
        if (!outcome.ok) throw new Error(`${outcome.kind}: ${outcome.message}`);
      }),
      { numRuns: 200, ...(seed === undefined ? {} : { seed: Number(seed) }) },
    );
  });
}
