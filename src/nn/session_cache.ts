/**
 * Model sessions shared by everything that loaded the same model (the same
 * bytes, or the same registered name): reference-counted, released when the
 * last graph or context using one is dropped, and bounded in number.
 *
 * @module
 */
import { NnError } from "./nn_error.ts";
import type { ModelSession } from "./model_session.ts";

interface Entry {
  readonly session: ModelSession;
  refs: number;
}

/** Sessions by model key. */
export class SessionCache {
  readonly #max: number;
  readonly #entries = new Map<string, Entry>();
  #created = 0;

  /** Holds at most `max` sessions. */
  constructor(max: number) {
    this.#max = max;
  }

  /** The session for `key`, created with `create` when there is none; takes a reference. */
  async acquire(key: string, create: () => Promise<ModelSession>): Promise<ModelSession> {
    const found = this.#entries.get(key);
    if (found) {
      found.refs++;
      return found.session;
    }
    if (this.#entries.size >= this.#max) {
      throw new NnError(
        "runtime-error",
        `The gateway already holds ${this.#max} model sessions, its limit; drop a graph first`,
      );
    }
    const session = await create();
    this.#created++;
    this.#entries.set(key, { session, refs: 1 });
    return session;
  }

  /** The session held for `key`, if any (no reference taken). */
  get(key: string): ModelSession | undefined {
    return this.#entries.get(key)?.session;
  }

  /** Takes another reference to a held session. */
  retain(key: string): void {
    const e = this.#entries.get(key);
    if (e) e.refs++;
  }

  /** Drops a reference; the last one releases the session. */
  async release(key: string): Promise<void> {
    const e = this.#entries.get(key);
    if (!e || --e.refs > 0) return;
    this.#entries.delete(key);
    await e.session.release();
  }

  /** Sessions held now, and created so far. */
  stats(): { live: number; created: number } {
    return { live: this.#entries.size, created: this.#created };
  }
}
