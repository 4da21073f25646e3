/**
 * Runs many cases of one target and counts what went wrong, without
 * stopping at the first failure (the bench's loop; the unit test uses
 * `fc.assert`, which stops and shrinks).
 *
 * @module
 */
import fc from "fast-check";
import { type CaseOutcome, type FuzzTarget, runCase } from "./_target.ts";

/** What a run of one target found. */
export interface FuzzReport {
  readonly target: string;
  readonly cases: number;
  readonly crashes: number;
  readonly hangs: number;
  /** Up to five distinct failure messages. */
  readonly examples: readonly string[];
  readonly seconds: number;
}

/** Options of {@linkcode fuzzTarget}. */
export interface FuzzOptions {
  readonly cases: number;
  readonly seed: number;
  /** Each case must end within this. @default the target's timeoutMs, else 1000 */
  readonly timeoutMs?: number;
  /** Called every 1,000 cases. */
  readonly onProgress?: (done: number) => void;
}

/**
 * Runs `cases` generated inputs through a target, one at a time, counting
 * crashes (an error that is not a clear `WeirError`, or a promise rejection
 * nobody handled) and hangs (no answer within the timeout). Unlike
 * `fc.assert`, it does not stop at the first failure.
 */
export async function fuzzTarget(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const began = performance.now();
  const timeoutMs = options.timeoutMs ?? target.timeoutMs ?? 1_000;
  let crashes = 0;
  let hangs = 0;
  const examples = new Set<string>();
  const note = (outcome: CaseOutcome & { ok: false }, value: unknown) => {
    if (outcome.kind === "hang") hangs++;
    else crashes++;
    if (examples.size < 5) examples.add(`${outcome.kind}: ${outcome.message} ← ${shown(value)}`);
  };
  const unhandled = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    note({ ok: false, kind: "crash", message: `unhandled rejection: ${event.reason}` }, "?");
  };
  globalThis.addEventListener("unhandledrejection", unhandled);
  try {
    const batch = 500;
    for (let done = 0; done < options.cases; done += batch) {
      const values = fc.sample(target.arbitrary, {
        numRuns: Math.min(batch, options.cases - done),
        seed: options.seed + done,
      });
      for (const [i, value] of values.entries()) {
        const outcome = await runCase(target, value, timeoutMs);
        if (!outcome.ok) note(outcome, value);
        if ((done + i + 1) % 1_000 === 0) options.onProgress?.(done + i + 1);
      }
    }
  } finally {
    globalThis.removeEventListener("unhandledrejection", unhandled);
  }
  return {
    target: target.name,
    cases: options.cases,
    crashes,
    hangs,
    examples: [...examples],
    seconds: Math.round((performance.now() - began) / 100) / 10,
  };
}

function shown(value: unknown): string {
  const text = fc.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
