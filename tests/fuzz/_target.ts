/**
 * What a fuzz target is, and the rule every target shares: a hostile input
 * must end in success or in a clear `WeirError` (one the target allows),
 * never in a crash, a hang or a message that dumps the input.
 *
 * @module
 */
import type fc from "fast-check";
import { WeirError } from "../../src/base/mod.ts";

/** One thing to fuzz: how to make inputs, and what must hold for each. */
export interface FuzzTarget<T = unknown> {
  /** A short name for reports (`oci-manifest`). */
  readonly name: string;
  /** What it feeds, for the bench's output. */
  readonly description: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** How long one case may take before it counts as a hang. @default 1000 */
  readonly timeoutMs?: number;
  /** Why the target cannot run here (a module not built), if it cannot. */
  readonly skip?: string;
  /**
   * Returns (or resolves) when the input was handled well: accepted, or
   * refused with a clear error the target allows. Throws (or rejects) otherwise.
   */
  property(value: T): Promise<void> | void;
}

/** The longest message a clear error may have: a hostile input must not be echoed whole. */
const MAX_MESSAGE = 2_000;

/**
 * Rethrows unless `error` is a clear refusal: a `WeirError` that `allowed`
 * accepts, with a short message that names no JavaScript internals.
 */
export function expectClearError(
  error: unknown,
  allowed: (error: WeirError) => boolean,
): void {
  if (!(error instanceof WeirError)) throw error;
  if (!allowed(error)) {
    throw new Error(`Unexpected ${error.name} [${error.code}]: ${error.message}`, { cause: error });
  }
  const message = error.message;
  if (message === "" || message.length > MAX_MESSAGE || /\[object Object\]/.test(message)) {
    throw new Error(`Unclear message (${message.length} chars): ${message.slice(0, 300)}`, {
      cause: error,
    });
  }
}

/** The outcome of one case. */
export type CaseOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly kind: "crash" | "hang"; readonly message: string };

/** Runs one case with a deadline; a case that neither resolves nor rejects by then is a hang. */
export async function runCase<T>(
  target: FuzzTarget<T>,
  value: T,
  timeoutMs: number,
): Promise<CaseOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<CaseOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, kind: "hang", message: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const run = Promise.resolve().then(() => target.property(value)).then(
    (): CaseOutcome => ({ ok: true }),
    (error): CaseOutcome => ({
      ok: false,
      kind: "crash",
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }),
  );
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
