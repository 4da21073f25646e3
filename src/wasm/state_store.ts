/**
 * The state store modules reach through the WIT `state-store` interface
 * (docs/aio-compatibility.md, "The contract"): get/set/del/vdel with set conditions, expiry and fencing
 * tokens, every write stamped with an HLC version. It lives in one SQLite
 * file (WAL) per graph, which every operator of the graph opens, in-thread or
 * from its isolation worker, so they share state.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { compareHlc, formatHlc, type Hlc, HlcClock, parseHlc, WeirError } from "../base/mod.ts";

/** How `set` decides whether to write. */
export type SetCondition =
  | "only-if-does-not-exist"
  | "only-if-equal-or-does-not-exist"
  | "unconditional";

/** Options of one `set`. */
export interface SetOptions {
  readonly condition: SetCondition;
  /** Time to live in milliseconds. */
  readonly expiresMs?: number;
  /** Refused when older than the key's current fencing token. */
  readonly fencingToken?: Hlc;
}

/** Thrown when a fencing token is older than the key's. */
export class FencingError extends WeirError {
  /** Names the key. */
  constructor(key: string) {
    super("fencing", `Fencing token for key "${key}" is older than the key's current token`);
    this.name = "FencingError";
  }
}

interface Row {
  value: Uint8Array;
  version: string;
  fence: string | null;
  expires: number | null;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hlcOf(text: string | null): Hlc | undefined {
  if (text === null) return undefined;
  const v = parseHlc(text);
  return typeof v === "string" ? undefined : v;
}

/** One connection to a graph's state file. */
export class StateStore {
  readonly #db: DatabaseSync;
  readonly #clock: HlcClock;
  readonly #now: () => number;

  /** Opens (and creates) the store at `path`; `:memory:` for a private one. */
  constructor(path: string, now: () => number = Date.now) {
    this.#db = new DatabaseSync(path);
    this.#db.exec(
      "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=2000; PRAGMA synchronous=NORMAL;" +
        "CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, version TEXT NOT NULL, fence TEXT, expires INTEGER)",
    );
    this.#now = now;
    this.#clock = new HlcClock(`weir-state-${crypto.randomUUID().slice(0, 8)}`, { now });
  }

  #row(key: Uint8Array): Row | undefined {
    const row = this.#db.prepare("SELECT value, version, fence, expires FROM kv WHERE key = ?").get(
      key,
    ) as
      | Row
      | undefined;
    if (row && row.expires !== null && row.expires <= this.#now()) {
      this.#db.prepare("DELETE FROM kv WHERE key = ?").run(key);
      return undefined;
    }
    return row;
  }

  #checkFence(key: Uint8Array, row: Row | undefined, token: Hlc | undefined): void {
    const current = hlcOf(row?.fence ?? null);
    if (token && current && compareHlc(token, current) < 0) {
      throw new FencingError(decoder.decode(key));
    }
  }

  #atomically<T>(fn: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const r = fn();
      this.#db.exec("COMMIT");
      return r;
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
  }

  /** The value and its version, or nothing when the key is absent or expired. */
  get(key: Uint8Array): { value?: Uint8Array; version?: Hlc } {
    const row = this.#row(key);
    if (!row) return {};
    const version = hlcOf(row.version);
    return { value: new Uint8Array(row.value), ...(version ? { version } : {}) };
  }

  /** Writes when the condition holds; returns whether it wrote and the new version. */
  set(
    key: Uint8Array,
    value: Uint8Array,
    options: SetOptions,
  ): { written: boolean; version?: Hlc } {
    return this.#atomically(() => {
      const row = this.#row(key);
      this.#checkFence(key, row, options.fencingToken);
      if (options.condition === "only-if-does-not-exist" && row) return { written: false };
      if (
        options.condition === "only-if-equal-or-does-not-exist" && row && !equal(row.value, value)
      ) {
        return { written: false };
      }
      const version = this.#clock.updateNow();
      const fence = options.fencingToken ? formatHlc(options.fencingToken) : row?.fence ?? null;
      const expires = options.expiresMs === undefined ? null : this.#now() + options.expiresMs;
      this.#db.prepare(
        "INSERT OR REPLACE INTO kv (key, value, version, fence, expires) VALUES (?, ?, ?, ?, ?)",
      )
        .run(key, value, formatHlc(version), fence, expires);
      return { written: true, version };
    });
  }

  /** Deletes the key: 1 when deleted, 0 when absent. */
  del(key: Uint8Array, fencingToken?: Hlc): number {
    return this.#atomically(() => {
      const row = this.#row(key);
      this.#checkFence(key, row, fencingToken);
      if (!row) return 0;
      this.#db.prepare("DELETE FROM kv WHERE key = ?").run(key);
      return 1;
    });
  }

  /** Deletes the key only when it holds `value`: 1 deleted, 0 absent, -1 another value. */
  vdel(key: Uint8Array, value: Uint8Array, fencingToken?: Hlc): number {
    return this.#atomically(() => {
      const row = this.#row(key);
      this.#checkFence(key, row, fencingToken);
      if (!row) return 0;
      if (!equal(row.value, value)) return -1;
      this.#db.prepare("DELETE FROM kv WHERE key = ?").run(key);
      return 1;
    });
  }

  /** Seeds from `[{"key": "value"}, ...]` (the shape of AIO's statestore.json). */
  seed(entries: ReadonlyArray<Record<string, string>>): void {
    for (const entry of entries) {
      for (const [k, v] of Object.entries(entry)) {
        this.set(encoder.encode(k), encoder.encode(String(v)), { condition: "unconditional" });
      }
    }
  }

  /** Closes the connection. */
  close(): void {
    this.#db.close();
  }
}
