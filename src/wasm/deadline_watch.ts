/**
 * The host's watch over one isolated batch: the module gets `deadlineMs` of
 * its own time per item. A worker that replied or moved to a later item gets a
 * new period (a busy host or a long batch is not the module's fault), and time
 * blocked in host calls (inference) is not the module's, up to a cap per item
 * so a module cannot stay alive forever by calling the host in a loop. A
 * fresh worker's first item may get longer: its code is still being compiled
 * and tiered up, its memory grown, which is the runtime's doing, not the
 * module's (measured: the first image through `format` takes about three
 * times as long as the next ones).
 *
 * @module
 */
import { HOST_WAIT_MS, IN_HOST_CALL, ITEM, REPLIED } from "./progress_slots.ts";

/** Bounds of a watch. */
export interface DeadlineBounds {
  /** The module's own time per item, in ms. */
  readonly deadlineMs: number;
  /** Host-call time per item that does not count, in ms; beyond it, it counts. */
  readonly hostWaitCapMs: number;
  /** The module's own time for the first item watched, when it differs. */
  readonly firstItemMs?: number;
}

/** Starts watching; `expired` is called once, with the item and the reason. Returns a stop. */
export function watchDeadline(
  slots: Int32Array,
  { deadlineMs, hostWaitCapMs, firstItemMs = deadlineMs }: DeadlineBounds,
  expired: (at: number, reason: string) => void,
): () => void {
  let seen = Atomics.load(slots, ITEM);
  let itemStart = performance.now();
  let hostAtItem = Atomics.load(slots, HOST_WAIT_MS);
  let allowance = firstItemMs;
  let timer: ReturnType<typeof setTimeout>;
  const later = (ms: number) => {
    timer = setTimeout(check, Math.max(1, Math.ceil(ms)));
  };
  const check = () => {
    const now = performance.now();
    const at = Atomics.load(slots, ITEM);
    const host = Atomics.load(slots, HOST_WAIT_MS);
    if (Atomics.load(slots, REPLIED) === 1 || at > seen) {
      seen = at;
      itemStart = now;
      hostAtItem = host;
      allowance = deadlineMs;
      return later(allowance);
    }
    const waited = Math.min(host - hostAtItem, hostWaitCapMs);
    // A host call in progress is bounded by the host's own limits; look again after it.
    if (Atomics.load(slots, IN_HOST_CALL) === 1 && waited < hostWaitCapMs) return later(allowance);
    const own = now - itemStart - waited;
    if (own < allowance) return later(allowance - own);
    const notes = [
      ...(allowance !== deadlineMs ? ["a fresh worker's first record"] : []),
      ...(waited > 0 ? [`not counting ${waited} ms it waited for inference`] : []),
    ];
    expired(
      at,
      `Module exceeded its ${allowance} ms deadline` +
        (notes.length > 0 ? ` (${notes.join("; ")})` : ""),
    );
  };
  later(allowance);
  return () => clearTimeout(timer);
}
