/**
 * The state store modules reach through the WIT `state-store` interface:
 * get/set/del/vdel with set conditions, expiry and fencing tokens, every
 * write stamped with an HLC version. It lives in one SQLite file (WAL) per
 * graph, which every operator of the graph opens, in-thread or from its
 * isolation worker, so they share state.
 *
 * A quota bounds each file: bytes of keys and values, and keys. Triggers keep
 * the totals in the file itself, so every connection (each worker has its
 * own) checks the same numbers inside its write transaction. A write that
 * would grow the store past either bound first purges expired keys, then is
 * refused with {@linkcode StateStoreQuotaError}; writes that shrink it always
 * pass, so a store over a lowered quota can still be emptied.
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

/** Bounds of one state store. */
export interface StateQuota {
  /** Bytes of keys and values together. @default 67108864 (64 MiB) */
  readonly maxBytes: number;
  /** Keys. @default 100000 */
  readonly maxKeys: number;
}

/** The quota of a store opened without one. */
export const DEFAULT_STATE_QUOTA: StateQuota = { maxBytes: 64 * 1024 * 1024, maxKeys: 100_000 };

/** Options for {@linkcode StateStore}. */
export interface StateStoreOptions {
  /** The clock for expiry. @default Date.now */
  readonly now?: () => number;
  /** @default DEFAULT_STATE_QUOTA */
  readonly quota?: Partial<StateQuota>;
}

interface Row {
  value: Uint8Array;
  version: string;
  fence: string | null;
  expires: number | null;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Thrown when a write would take the store past its quota. */
export class StateStoreQuotaError extends WeirError {
  /** Names the key and the bound it would pass. */
  constructor(what: "bytes" | "keys", limit: number, key: Uint8Array) {
    super(
      "quota_exceeded",
      `State store quota exceeded: key "${
        decoder.decode(key.subarray(0, 64))
      }" would take the store past "${limit}" ${what}`,
    );
    this.name = "StateStoreQuotaError";
  }
}

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

// The usage row and the triggers that keep it; created with its first count in one
// transaction, so a file from before quotas starts with the right totals.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL, version TEXT NOT NULL, fence TEXT, expires INTEGER);
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS usage (id INTEGER PRIMARY KEY CHECK (id = 0), keys INTEGER NOT NULL, bytes INTEGER NOT NULL);
INSERT OR IGNORE INTO usage SELECT 0, count(*), coalesce(sum(length(key) + length(value)), 0) FROM kv;
CREATE TRIGGER IF NOT EXISTS kv_insert AFTER INSERT ON kv BEGIN
  UPDATE usage SET keys = keys + 1, bytes = bytes + length(NEW.key) + length(NEW.value) WHERE id = 0;
END;
CREATE TRIGGER IF NOT EXISTS kv_delete AFTER DELETE ON kv BEGIN
  UPDATE usage SET keys = keys - 1, bytes = bytes - length(OLD.key) - length(OLD.value) WHERE id = 0;
END;
CREATE TRIGGER IF NOT EXISTS kv_update AFTER UPDATE OF value ON kv BEGIN
  UPDATE usage SET bytes = bytes - length(OLD.value) + length(NEW.value) WHERE id = 0;
END;`;

/** One connection to a graph's state file. */
export class StateStore {
  readonly #db: DatabaseSync;
  readonly #clock: HlcClock;
  readonly #now: () => number;
  readonly #path: string;
  /** The bounds this connection enforces. */
  readonly quota: StateQuota;

  /** Opens (and creates) the store at `path`; `:memory:` for a private one. */
  constructor(path: string, options: StateStoreOptions = {}) {
    const now = options.now ?? Date.now;
    this.#path = path;
    this.quota = { ...DEFAULT_STATE_QUOTA, ...options.quota };
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=2000; PRAGMA synchronous=NORMAL;");
    this.#now = now;
    this.#atomically(() => this.#db.exec(SCHEMA));
    this.#clock = new HlcClock(`weir-state-${crypto.randomUUID().slice(0, 8)}`, { now });
  }

  /** The file this connection opened. */
  get path(): string {
    return this.#path;
  }

  /** Keys and bytes (of keys and values) stored, expired keys not yet purged included. */
  usage(): { keys: number; bytes: number } {
    const row = this.#db.prepare("SELECT keys, bytes FROM usage WHERE id = 0").get() as {
      keys: number;
      bytes: number;
    };
    return { keys: row.keys, bytes: row.bytes };
  }

  /** Refuses a write of `key` (replacing `row`) that would grow the store past its quota. */
  #checkQuota(key: Uint8Array, value: Uint8Array, row: Row | undefined): void {
    const grows = (u: { keys: number; bytes: number }) => {
      const keys = row ? u.keys : u.keys + 1;
      const bytes = row
        ? u.bytes - row.value.length + value.length
        : u.bytes + key.length + value.length;
      if (keys > u.keys && keys > this.quota.maxKeys) return "keys" as const;
      if (bytes > u.bytes && bytes > this.quota.maxBytes) return "bytes" as const;
      return undefined;
    };
    if (grows(this.usage()) === undefined) return;
    this.#db.prepare("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?").run(this.#now());
    const over = grows(this.usage());
    if (over === "keys") throw new StateStoreQuotaError("keys", this.quota.maxKeys, key);
    if (over === "bytes") throw new StateStoreQuotaError("bytes", this.quota.maxBytes, key);
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
      this.#checkQuota(key, value, row);
      const version = this.#clock.updateNow();
      const fence = options.fencingToken ? formatHlc(options.fencingToken) : row?.fence ?? null;
      const expires = options.expiresMs === undefined ? null : this.#now() + options.expiresMs;
      // An upsert, not INSERT OR REPLACE: a replacing delete would bypass the usage triggers.
      this.#db.prepare(
        "INSERT INTO kv (key, value, version, fence, expires) VALUES (?, ?, ?, ?, ?) " +
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version, " +
          "fence = excluded.fence, expires = excluded.expires",
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
