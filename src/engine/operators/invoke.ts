/**
 * Calls operator code on a batch and turns every way it can fail into
 * per-item {@linkcode Failure}s: a wrong-length answer, or a throw. After a
 * throw the batch is retried item by item, so one poisoned record costs only
 * itself.
 *
 * @module
 */
import { Failure, type MaybePromise } from "../operator.ts";

function reasonOf(error: unknown): string {
  return `Operator threw: ${error instanceof Error ? error.message : String(error)}`;
}

async function oneByOne<T, R>(
  items: readonly T[],
  call: (items: readonly T[]) => MaybePromise<ReadonlyArray<R | Failure>>,
): Promise<Array<R | Failure>> {
  const out: Array<R | Failure> = [];
  for (const item of items) {
    try {
      const r = await call([item]);
      out.push(r.length === 1 ? r[0]! : new Failure(`Operator returned ${r.length} results for 1 input`));
    } catch (error) {
      out.push(new Failure(reasonOf(error)));
    }
  }
  return out;
}

/** Runs `call` on `items`; the result has exactly one outcome per item. */
export async function invoke<T, R>(
  items: readonly T[],
  call: (items: readonly T[]) => MaybePromise<ReadonlyArray<R | Failure>>,
): Promise<ReadonlyArray<R | Failure>> {
  let result: ReadonlyArray<R | Failure>;
  try {
    const r = call(items);
    result = r instanceof Promise ? await r : r;
  } catch (error) {
    // A single item has nothing left to isolate; do not run the operator twice.
    if (items.length === 1) return [new Failure(reasonOf(error))];
    return await oneByOne(items, call);
  }
  if (result.length === items.length) return result;
  if (items.length === 1) {
    return [new Failure(`Operator returned ${result.length} results for 1 input`)];
  }
  return await oneByOne(items, call);
}
