/**
 * Shared connections: the sources and sinks of one endpoint use one client.
 * A connection opens on the first `acquire` of its key and closes when the
 * last lease is released (or when the pool closes).
 *
 * @module
 */

/** Whether a connection is up, since when, and why not. */
export interface ConnectionStatus {
  readonly up: boolean;
  /** Milliseconds since the epoch of the last change. */
  readonly since: number;
  /** The last error while down. */
  readonly error?: string;
}

/** Something a pool can close (and, for connections that know it, tell whether it is up). */
export interface Closable {
  close(): Promise<void>;
  status?(): ConnectionStatus;
}

/** One user's hold on a shared connection. */
export interface Lease<T> {
  readonly value: T;
  /** Gives the hold back; the last one closes the connection. Idempotent. */
  release(): Promise<void>;
}

interface Entry {
  readonly value: Closable;
  holders: number;
}

/** Connections by key, reference-counted. */
export class ConnectionPool implements AsyncDisposable {
  readonly #entries = new Map<string, Entry>();
  #closed = false;

  /** The connection under `key`, opened with `open` when there is none yet. */
  acquire<T extends Closable>(key: string, open: () => T): Lease<T> {
    if (this.#closed) throw new Error("Connection pool is closed");
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { value: open(), holders: 0 };
      this.#entries.set(key, entry);
    }
    entry.holders++;
    const held = entry;
    let released = false;
    return {
      value: held.value as T,
      release: async () => {
        if (released) return;
        released = true;
        held.holders--;
        if (held.holders === 0 && this.#entries.get(key) === held) {
          this.#entries.delete(key);
          await held.value.close();
        }
      },
    };
  }

  /** Keys with an open connection. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  /** The status of every open connection that reports one, by key. */
  statuses(): Array<{ readonly key: string; readonly status: ConnectionStatus }> {
    const out: Array<{ key: string; status: ConnectionStatus }> = [];
    for (const [key, entry] of this.#entries) {
      const status = entry.value.status?.();
      if (status) out.push({ key, status });
    }
    return out;
  }

  /** Closes every connection, whoever still holds it. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.allSettled(entries.map((e) => e.value.close()));
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
