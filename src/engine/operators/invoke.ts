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
      out.push(
        r.length === 1 ? r[0]! : new Failure(`Operator returned ${r.length} results for 1 input`),
      );
    } catch (error) {
      out.push(new Failure(reasonOf(error)));
    }
  }
  return out;
}

/**
 * Runs `call` on `items`; the result has exactly one outcome per item. It is a
 * promise only when the operator's answer is one, so sync operators cost no
 * microtask hop.
 */
export function invoke<T, R>(
  items: readonly T[],
  call: (items: readonly T[]) => MaybePromise<ReadonlyArray<R | Failure>>,
): MaybePromise<ReadonlyArray<R | Failure>> {
  // A single item has nothing left to isolate; do not run the operator twice.
  const onThrow = (error: unknown) =>
    items.length === 1 ? [new Failure(reasonOf(error))] : oneByOne(items, call);
  const check = (result: ReadonlyArray<R | Failure>) => {
    if (result.length === items.length) return result;
    if (items.length === 1) {
      return [new Failure(`Operator returned ${result.length} results for 1 input`)];
    }
    return oneByOne(items, call);
  };
  let result: MaybePromise<ReadonlyArray<R | Failure>>;
  try {
    result = call(items);
  } catch (error) {
    return onThrow(error);
  }
  return result instanceof Promise ? result.then(check, onThrow) : check(result);
}

/** Applies `fn` to a value or, when it is a promise, to what it resolves to. */
export function then<T, U>(value: MaybePromise<T>, fn: (value: T) => U): U | Promise<Awaited<U>> {
  return value instanceof Promise ? value.then(fn) as Promise<Awaited<U>> : fn(value);
}
