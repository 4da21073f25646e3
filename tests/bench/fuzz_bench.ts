// deno-lint-ignore-file no-console -- a bench script reports on standard output
/**
 * The fuzz bench: 10,000 generated cases per target (CASES to change it),
 * each of which must hold the target's property within its deadline (a second
 * unless the target says otherwise).
 * Prints cases, crashes and hangs per target, up to five examples of each
 * failure, and a JSON summary; exits 1 when anything failed.
 *
 * Run: deno run --allow-read --allow-write --allow-env --allow-sys=statfs --unstable-worker-options tests/bench/fuzz_bench.ts [target-prefix...]
 *      SEED=42 CASES=2000 deno run … tests/bench/fuzz_bench.ts oci-bundle
 */
import { type FuzzReport, fuzzTarget, targetsNamed } from "../fuzz/mod.ts";

async function main(): Promise<number> {
  const cases = Number(Deno.env.get("CASES") ?? 10_000);
  const seed = Number(Deno.env.get("SEED") ?? Math.floor(Math.random() * 2 ** 31));
  const targets = targetsNamed(Deno.args);
  console.log(`fuzz bench: ${cases} cases per target, seed ${seed}`);
  const reports: FuzzReport[] = [];
  for (const target of targets) {
    if (target.skip !== undefined) {
      console.log(`${target.name.padEnd(14)} skipped: ${target.skip}`);
      continue;
    }
    const report = await fuzzTarget(target, {
      cases,
      seed,
      onProgress: (done) =>
        Deno.stderr.writeSync(new TextEncoder().encode(`  ${target.name} ${done}\r`)),
    });
    reports.push(report);
    const failures = report.crashes + report.hangs;
    console.log(
      `${report.target.padEnd(14)} ${report.cases} cases, ${failures} failures ` +
        `(${report.crashes} crashes, ${report.hangs} hangs) in ${report.seconds} s — ${target.description}`,
    );
    for (const example of report.examples) console.log(`    ${example}`);
  }
  console.log(JSON.stringify({ seed, reports }));
  return reports.some((r) => r.crashes + r.hangs > 0) ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
