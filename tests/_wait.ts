/**
 * The one way tests wait for something: poll `check` (sync or async) every
 * 10 ms until it holds or `ms` pass. With `what`, a timeout throws
 * "Timed out waiting for <what>"; without, the caller asserts afterwards
 * (so the failure names the values it saw).
 *
 * @module
 */

/** Waits until `check` is true or `ms` passed. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what?: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      if (what !== undefined) throw new Error(`Timed out waiting for ${what}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
