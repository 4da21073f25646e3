/**
 * The durable store-and-forward queue in front of the destinations: results
 * are appended (one transaction per batch), read back in order, and deleted
 * only when acknowledged, so they survive a crash or a broker outage and go
 * out at least once. It lives in one SQLite file (`node:sqlite`, WAL) and is
 * bounded by total bytes and by age.
 *
 * Dead letters share the file and the write path but not the budget: they
 * have a byte budget of their own, and when it is full the oldest dead letters
 * go, so a flood of bad input can never evict or refuse a good output.
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Logger } from "../telemetry/mod.ts";
import {
  type ListOptions,
  type OutboundQueueOptions,
  type PeekOptions,
  type QueuedMessage,
  type QueuedProperties,
  QueueFullError,
  type QueueFullPolicy,
  type QueueMessage,
  type QueueStats,
  type QueueUsage,
  ROW_OVERHEAD_BYTES,
  type RowFilter,
} from "./queue_types.ts";

/** The two classes of rows, as stored in the `dead` column. */
const OUTPUT = 0;
const DEAD = 1;
type RowClass = typeof OUTPUT | typeof DEAD;

/** A dead letter's default budget: a tenth of the queue, at least 1 MiB. */
function defaultDeadLetterBytes(maxBytes: number): number {
  return Math.max(1_048_576, Math.floor(maxBytes / 10));
}

/** UTF-8 length of a string without encoding it. */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) i++, n += 2; // a surrogate pair: 4 bytes for 2 units
    else n += 2;
  }
  return n;
}

function propertiesJson(p: QueuedProperties): string {
  return JSON.stringify(
    p.key === undefined
      ? { c: p.contentType, u: p.userProperties }
      : { c: p.contentType, u: p.userProperties, k: p.key },
  );
}

function accounted(m: QueueMessage, props: string): number {
  return m.payload.byteLength + utf8Length(m.topic) + utf8Length(props) + utf8Length(m.id) +
    utf8Length(m.destination) + ROW_OVERHEAD_BYTES;
}

interface Row {
  seq: number;
  destination: string;
  topic: string;
  payload: Uint8Array;
  properties: string;
  id: string;
  enqueuedAt: number;
  dead: number;
}

/** What a `DELETE … RETURNING` gives back to keep the counters right. */
interface DeletedRow {
  bytes: number;
  dead: number;
}

const COLUMNS = "seq, destination, topic, payload, properties, id, enqueued_at AS enqueuedAt, dead";

/** A payload field name usable in a JSON path. */
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The SQL condition and its parameters for a row filter (values are always parameters). */
function whereOf(filter: RowFilter): { sql: string; params: Array<string | number> } {
  const terms: string[] = [];
  const params: Array<string | number> = [];
  if (filter.deadLetters !== undefined) {
    terms.push("dead = ?");
    params.push(filter.deadLetters ? DEAD : OUTPUT);
  }
  if (filter.destination !== undefined) {
    terms.push("destination = ?");
    params.push(filter.destination);
  }
  if (filter.seqs !== undefined) {
    terms.push("seq IN (SELECT value FROM json_each(?))");
    params.push(JSON.stringify(filter.seqs));
  }
  if (filter.after !== undefined) {
    terms.push("seq > ?");
    params.push(filter.after);
  }
  if (filter.before !== undefined) {
    terms.push("seq < ?");
    params.push(filter.before);
  }
  const field = (name: string) => {
    if (!FIELD.test(name)) throw new RangeError(`Payload field "${name}" is not a plain name`);
    // A payload that is not JSON matches no field filter (json_extract would throw on it).
    return "(CASE WHEN json_valid(CAST(payload AS TEXT)) " +
      "THEN json_extract(CAST(payload AS TEXT), ?) END)";
  };
  for (const [name, value] of Object.entries(filter.payloadEquals ?? {})) {
    terms.push(`${field(name)} = ?`);
    params.push(`$.${name}`, value);
  }
  for (const [name, value] of Object.entries(filter.payloadContains ?? {})) {
    terms.push(`instr(lower(${field(name)}), lower(?)) > 0`);
    params.push(`$.${name}`, value);
  }
  return { sql: terms.length === 0 ? "" : `WHERE ${terms.join(" AND ")}`, params };
}

function toMessage(row: Row): QueuedMessage {
  const p = JSON.parse(row.properties) as {
    c: string | null;
    u: [string, string][];
    k?: string;
  };
  return {
    seq: row.seq,
    destination: row.destination,
    topic: row.topic,
    payload: row.payload,
    properties: p.k === undefined
      ? { contentType: p.c, userProperties: p.u }
      : { contentType: p.c, userProperties: p.u, key: p.k },
    id: row.id,
    enqueuedAt: row.enqueuedAt,
    deadLetter: Number(row.dead) === DEAD,
  };
}

/** A durable FIFO of outbound messages. Not safe to share between processes. */
export class OutboundQueue implements Disposable {
  readonly #db: DatabaseSync;
  /** Byte budgets by class. */
  readonly #budget: [number, number];
  readonly #maxAgeMs: number;
  readonly #policy: QueueFullPolicy;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #insert: StatementSync;
  readonly #delete: StatementSync;
  readonly #oldest: StatementSync;
  readonly #headRows: StatementSync;
  readonly #deleteUpTo: StatementSync;
  readonly #peekAll: StatementSync;
  readonly #peekDestination: StatementSync;
  readonly #totals: StatementSync;
  readonly #countDestination: StatementSync;
  /** Rows and accounted bytes by class. */
  #depth: [number, number] = [0, 0];
  #bytes: [number, number] = [0, 0];
  #stats = { droppedOverflow: 0, droppedExpired: 0, rejected: 0, droppedDeadLetters: 0 };
  #closed = false;

  private constructor(db: DatabaseSync, options: OutboundQueueOptions) {
    this.#db = db;
    this.#budget = [
      options.maxBytes,
      options.deadLetterMaxBytes ?? defaultDeadLetterBytes(options.maxBytes),
    ];
    this.#maxAgeMs = options.maxAgeSeconds * 1000;
    this.#policy = options.policy ?? "drop-oldest";
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.#insert = db.prepare(
      "INSERT INTO outbound (destination, topic, payload, properties, id, bytes, enqueued_at, dead) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.#delete = db.prepare(
      "DELETE FROM outbound WHERE seq IN (SELECT value FROM json_each(?)) RETURNING bytes, dead",
    );
    this.#oldest = db.prepare(
      "SELECT enqueued_at AS at FROM outbound WHERE dead = ? ORDER BY seq LIMIT 1",
    );
    this.#headRows = db.prepare(
      "SELECT seq, bytes, enqueued_at AS at FROM outbound WHERE dead = ? AND seq > ? " +
        "ORDER BY seq LIMIT 256",
    );
    this.#deleteUpTo = db.prepare("DELETE FROM outbound WHERE dead = ? AND seq <= ?");
    this.#peekAll = db.prepare(
      `SELECT ${COLUMNS} FROM outbound WHERE seq > ? ORDER BY seq LIMIT ?`,
    );
    this.#peekDestination = db.prepare(
      `SELECT ${COLUMNS} FROM outbound WHERE destination = ? AND seq > ? ORDER BY seq LIMIT ?`,
    );
    this.#countDestination = db.prepare(
      "SELECT count(*) AS n FROM outbound WHERE destination = ?",
    );
    this.#totals = db.prepare(
      "SELECT dead, count(*) AS n, coalesce(sum(bytes), 0) AS b FROM outbound GROUP BY dead",
    );
    this.#recount();
  }

  /**
   * Opens (or creates) the queue file, with its folder. Rows left by an
   * earlier run are there again, in the same order.
   */
  static open(path: string, options: OutboundQueueOptions): OutboundQueue {
    if (!(options.maxBytes >= 1)) {
      throw new RangeError(`maxBytes "${options.maxBytes}" must be ≥ 1`);
    }
    if (!(options.maxAgeSeconds > 0)) {
      throw new RangeError(`maxAgeSeconds "${options.maxAgeSeconds}" must be > 0`);
    }
    if (options.deadLetterMaxBytes !== undefined && !(options.deadLetterMaxBytes >= 1)) {
      throw new RangeError(`deadLetterMaxBytes "${options.deadLetterMaxBytes}" must be ≥ 1`);
    }
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new DatabaseSync(path);
    try {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec(`PRAGMA synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec(`CREATE TABLE IF NOT EXISTS outbound (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        destination TEXT NOT NULL,
        topic TEXT NOT NULL,
        payload BLOB NOT NULL,
        properties TEXT NOT NULL,
        id TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        enqueued_at INTEGER NOT NULL,
        dead INTEGER NOT NULL DEFAULT 0
      )`);
      upgradeDeadColumn(db);
      db.exec("CREATE INDEX IF NOT EXISTS outbound_destination ON outbound (destination, seq)");
      db.exec("CREATE INDEX IF NOT EXISTS outbound_class ON outbound (dead, seq)");
      return new OutboundQueue(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * Appends a batch in one transaction, in order. Expired messages go first.
   * Outputs that do not fit: `drop-oldest` drops the oldest outputs (counted)
   * and `reject-new` throws {@linkcode QueueFullError} without storing any of
   * the batch. Dead letters that do not fit their budget drop the oldest dead
   * letters; they are never refused for room.
   *
   * @throws {QueueFullError} `full` (reject-new) or `too-large` (a message larger than its budget).
   * @returns The seq of each appended message.
   */
  append(batch: readonly QueueMessage[]): number[] {
    this.#open();
    if (batch.length === 0) return [];
    const now = this.#now();
    const needed: [number, number] = [0, 0];
    let rows = batch.map((m) => {
      const props = propertiesJson(m.properties);
      const kind: RowClass = m.deadLetter === true ? DEAD : OUTPUT;
      const bytes = accounted(m, props);
      if (bytes > this.#budget[kind]) {
        this.#stats.rejected += batch.length;
        throw new QueueFullError("too-large", bytes, this.#budget[kind]);
      }
      needed[kind] += bytes;
      return { m, props, bytes, kind };
    });
    if (needed[OUTPUT] > this.#budget[OUTPUT]) {
      this.#stats.rejected += batch.length;
      throw new QueueFullError("too-large", needed[OUTPUT], this.#budget[OUTPUT]);
    }
    if (needed[DEAD] > this.#budget[DEAD]) {
      // More dead letters at once than their whole budget: the newest are kept.
      let excess = needed[DEAD] - this.#budget[DEAD];
      rows = rows.filter((r) => {
        if (r.kind !== DEAD || excess <= 0) return true;
        excess -= r.bytes;
        needed[DEAD] -= r.bytes;
        this.#stats.droppedDeadLetters++;
        return false;
      });
    }
    const seqs: number[] = [];
    let full: QueueFullError | undefined;
    this.#transaction(() => {
      this.#expireBefore(now - this.#maxAgeMs);
      const free = this.#budget[OUTPUT] - this.#bytes[OUTPUT];
      if (needed[OUTPUT] > free) {
        if (this.#policy === "reject-new") {
          full = new QueueFullError("full", needed[OUTPUT], free);
          return; // commit the expiry, store nothing of the batch
        }
        this.#dropOldest(OUTPUT, needed[OUTPUT] - free);
      }
      const freeDead = this.#budget[DEAD] - this.#bytes[DEAD];
      if (needed[DEAD] > freeDead) this.#dropOldest(DEAD, needed[DEAD] - freeDead);
      for (const { m, props, bytes, kind } of rows) {
        const result = this.#insert.run(
          m.destination,
          m.topic,
          m.payload,
          props,
          m.id,
          bytes,
          now,
          kind,
        );
        seqs.push(Number(result.lastInsertRowid));
        this.#depth[kind]++;
        this.#bytes[kind] += bytes;
      }
    });
    if (full !== undefined) {
      this.#stats.rejected += batch.length;
      throw full;
    }
    return seqs;
  }

  /**
   * The oldest messages not yet acknowledged, in order, without removing
   * them: reading twice gives the same messages until they are acked.
   * Expired messages are dropped first.
   */
  peek(limit: number, options: PeekOptions = {}): QueuedMessage[] {
    this.#open();
    this.expire();
    const after = options.after ?? 0;
    const rows = options.destination === undefined
      ? this.#peekAll.all(after, limit)
      : this.#peekDestination.all(options.destination, after, limit);
    return (rows as unknown as Row[]).map(toMessage);
  }

  /**
   * Deletes delivered messages by seq, in one transaction. Unknown seqs
   * (already acked, dropped or expired) are ignored.
   *
   * @returns How many messages were deleted.
   */
  ack(seqs: Iterable<number>): number {
    this.#open();
    let deleted = 0;
    const list = JSON.stringify([...seqs]);
    if (list === "[]") return 0;
    this.#transaction(() => {
      deleted = this.#forget(this.#delete.all(list) as unknown as DeletedRow[]);
    });
    return deleted;
  }

  /**
   * Rows that match `options`, by seq (oldest first unless `newestFirst`),
   * without removing them: for looking at what the queue holds, such as its
   * dead letters.
   */
  list(options: ListOptions = {}): QueuedMessage[] {
    this.#open();
    const { sql, params } = whereOf(options);
    const order = options.newestFirst === true ? "DESC" : "ASC";
    const limit = Math.max(0, Math.floor(options.limit ?? 100));
    const rows = this.#db.prepare(
      `SELECT ${COLUMNS} FROM outbound ${sql} ORDER BY seq ${order} LIMIT ?`,
    ).all(...params, limit);
    return (rows as unknown as Row[]).map(toMessage);
  }

  /** How many rows match `filter`. */
  count(filter: RowFilter = {}): number {
    this.#open();
    const { sql, params } = whereOf(filter);
    const row = this.#db.prepare(`SELECT count(*) AS n FROM outbound ${sql}`).get(...params) as
      | { n: number }
      | undefined;
    return Number(row?.n ?? 0);
  }

  /** One row by seq, or undefined when it is not (or no longer) in the queue. */
  get(seq: number): QueuedMessage | undefined {
    return this.list({ seqs: [seq], limit: 1 })[0];
  }

  /**
   * Deletes every row that matches `filter`, in one transaction (with no
   * filter field at all, nothing: emptying the queue must be asked for).
   *
   * @returns How many rows were deleted.
   */
  remove(filter: RowFilter): number {
    this.#open();
    const { sql, params } = whereOf(filter);
    if (sql === "") return 0;
    let deleted = 0;
    this.#transaction(() => {
      const statement = this.#db.prepare(`DELETE FROM outbound ${sql} RETURNING bytes, dead`);
      deleted = this.#forget(statement.all(...params) as unknown as DeletedRow[]);
    });
    return deleted;
  }

  /** Drops messages older than `maxAgeSeconds`; returns how many. */
  expire(): number {
    this.#open();
    const cutoff = this.#now() - this.#maxAgeMs;
    if (!this.#headExpired(OUTPUT, cutoff) && !this.#headExpired(DEAD, cutoff)) return 0;
    let dropped = 0;
    this.#transaction(() => dropped = this.#expireBefore(cutoff));
    return dropped;
  }

  /** Messages in the queue, dead letters included; with a destination, only those for it. */
  depth(destination?: string): number {
    if (destination === undefined) return this.#depth[OUTPUT] + this.#depth[DEAD];
    this.#open();
    const row = this.#countDestination.get(destination) as { n: number } | undefined;
    return Number(row?.n ?? 0);
  }

  /** Accounted bytes in the queue, dead letters included. */
  bytes(): number {
    return this.#bytes[OUTPUT] + this.#bytes[DEAD];
  }

  /** Rows and bytes of outputs and of dead letters, each against its own budget. */
  usage(): { readonly outputs: QueueUsage; readonly deadLetters: QueueUsage } {
    return {
      outputs: { count: this.#depth[OUTPUT], bytes: this.#bytes[OUTPUT] },
      deadLetters: { count: this.#depth[DEAD], bytes: this.#bytes[DEAD] },
    };
  }

  /** Drop and reject counters since open. */
  stats(): QueueStats {
    return { ...this.#stats };
  }

  /** Closes the file. Further calls throw. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  /** Same as {@linkcode close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #open(): void {
    if (this.#closed) throw new Error("Queue is closed");
  }

  #transaction(body: () => void): void {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      body();
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      this.#recount(); // the counters moved with statements that were rolled back
      throw error;
    }
  }

  /** Inside a transaction: takes deleted rows off the counters; returns how many. */
  #forget(rows: readonly DeletedRow[]): number {
    for (const row of rows) {
      const kind = Number(row.dead) === DEAD ? DEAD : OUTPUT;
      this.#bytes[kind] -= Number(row.bytes);
      this.#depth[kind]--;
    }
    return rows.length;
  }

  #recount(): void {
    this.#depth = [0, 0];
    this.#bytes = [0, 0];
    for (const row of this.#totals.all() as unknown as { dead: number; n: number; b: number }[]) {
      const kind = Number(row.dead) === DEAD ? DEAD : OUTPUT;
      this.#depth[kind] = Number(row.n);
      this.#bytes[kind] = Number(row.b);
    }
  }

  /** True when the oldest row of a class is older than `cutoff` (one index lookup). */
  #headExpired(kind: RowClass, cutoff: number): boolean {
    if (this.#depth[kind] === 0) return false;
    const oldest = this.#oldest.get(kind) as { at: number } | undefined;
    return oldest !== undefined && oldest.at < cutoff;
  }

  /**
   * Inside a transaction: drops messages enqueued before `cutoff`. Age is
   * taken in queue order: dropping stops at the first message young enough.
   */
  #expireBefore(cutoff: number): number {
    let count = 0;
    for (const kind of [OUTPUT, DEAD] as const) {
      if (!this.#headExpired(kind, cutoff)) continue;
      count += this.#dropHead(kind, (row) => row.at >= cutoff).count;
    }
    if (count === 0) return 0;
    this.#stats.droppedExpired += count;
    this.#logger?.log("warn", "queue dropped expired messages", { dropped: count });
    return count;
  }

  /** Inside a transaction: drops the oldest messages of a class until `bytes` are freed. */
  #dropOldest(kind: RowClass, bytes: number): void {
    let freed = 0;
    const { count } = this.#dropHead(kind, (row) => {
      if (freed >= bytes) return true;
      freed += row.bytes;
      return false;
    });
    if (kind === DEAD) {
      this.#stats.droppedDeadLetters += count;
      this.#logger?.log("warn", "dead-letter budget full, dropped the oldest dead letters", {
        dropped: count,
      });
    } else {
      this.#stats.droppedOverflow += count;
      this.#logger?.log("warn", "queue full, dropped the oldest messages", { dropped: count });
    }
  }

  /**
   * Inside a transaction: deletes a class's head rows up to (not including)
   * the first that `stop` accepts.
   */
  #dropHead(
    kind: RowClass,
    stop: (row: { seq: number; bytes: number; at: number }) => boolean,
  ): { count: number; freed: number } {
    let count = 0;
    let freed = 0;
    let last = 0;
    for (let done = false; !done;) {
      const rows = this.#headRows.all(kind, last) as unknown as {
        seq: number;
        bytes: number;
        at: number;
      }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (stop(row)) {
          done = true;
          break;
        }
        count++;
        freed += Number(row.bytes);
        last = row.seq;
      }
    }
    if (count > 0) this.#deleteUpTo.run(kind, last);
    this.#depth[kind] -= count;
    this.#bytes[kind] -= freed;
    return { count, freed };
  }
}

/** Adds the `dead` column to a queue file written before dead letters had a budget. */
function upgradeDeadColumn(db: DatabaseSync): void {
  const columns = db.prepare("PRAGMA table_info(outbound)").all() as unknown as { name: string }[];
  if (columns.some((c) => c.name === "dead")) return;
  db.exec("ALTER TABLE outbound ADD COLUMN dead INTEGER NOT NULL DEFAULT 0");
  db.exec("UPDATE outbound SET dead = 1 WHERE destination LIKE 'dead-letter/%'");
}
