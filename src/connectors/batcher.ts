/**
 * Gathers records from every sink of an endpoint into requests (Kafka
 * produce requests, OTLP exports): the first record of a batch waits at most
 * `latencyMs` for others (Kafka's `linger.ms`), and a request holds at most
 * `maxMessages` records and `maxBytes` bytes. One request is in flight at a time, so records
 * reach the broker in the order they were handed in. A failed request fails
 * every call that had a record in it, and drops that call's other records
 * still waiting: the caller sends them again, in order.
 *
 * @module
 */

/** Sends one request; resolves when the broker has every record of it. */
export type SendBatch<T> = (records: T[]) => Promise<void>;

/** Options for {@linkcode Batcher}. */
export interface BatcherOptions {
  readonly latencyMs: number;
  readonly maxMessages: number;
  readonly maxBytes: number;
}

interface Call {
  remaining: number;
  failed: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Entry<T> {
  readonly record: T;
  readonly bytes: number;
  readonly call: Call;
}

/** Batches records into requests, one in flight. */
export class Batcher<T> {
  readonly #send: SendBatch<T>;
  readonly #options: BatcherOptions;
  #queue: Entry<T>[] = [];
  #queuedBytes = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sending = false;
  #closed: Error | undefined;

  /** A batcher that sends with `send`. */
  constructor(send: SendBatch<T>, options: BatcherOptions) {
    this.#send = send;
    this.#options = options;
  }

  /** Records waiting for a request. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Adds records; resolves once every one of them is sent, rejects when one failed. */
  add(records: ReadonlyArray<{ readonly record: T; readonly bytes: number }>): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const call: Call = { remaining: records.length, failed: false, resolve, reject };
      for (const r of records) {
        this.#queue.push({ record: r.record, bytes: r.bytes, call });
        this.#queuedBytes += r.bytes;
      }
      this.#schedule();
    });
  }

  /** Fails every waiting call with `error`; later calls fail too. */
  close(error: Error): void {
    this.#closed = error;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const calls = new Set(this.#queue.map((e) => e.call));
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const call of calls) this.#fail(call, error);
  }

  #full(): boolean {
    return this.#queue.length >= this.#options.maxMessages ||
      this.#queuedBytes >= this.#options.maxBytes;
  }

  #schedule(): void {
    if (this.#sending || this.#queue.length === 0) return;
    if (this.#full() || this.#options.latencyMs === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      // Calls made in this same turn still join the request.
      queueMicrotask(() => this.#flush());
      this.#sending = true;
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      if (!this.#sending) {
        this.#sending = true;
        this.#flush();
      }
    }, this.#options.latencyMs);
  }

  #take(): Entry<T>[] {
    let n = 0;
    let bytes = 0;
    while (n < this.#queue.length && n < this.#options.maxMessages) {
      const next = this.#queue[n]!.bytes;
      if (n > 0 && bytes + next > this.#options.maxBytes) break;
      bytes += next;
      n++;
    }
    const batch = this.#queue.splice(0, n);
    this.#queuedBytes -= bytes;
    return batch;
  }

  async #flush(): Promise<void> {
    const batch = this.#take();
    try {
      if (batch.length > 0) {
        await this.#send(batch.map((e) => e.record));
        for (const e of batch) {
          if (e.call.failed) continue;
          if (--e.call.remaining === 0) e.call.resolve();
        }
      }
    } catch (error) {
      const calls = new Set(batch.map((e) => e.call));
      // The failed calls' other records wait no more: their callers send everything again.
      const before = this.#queue.length;
      this.#queue = this.#queue.filter((e) => !calls.has(e.call));
      if (this.#queue.length !== before) {
        this.#queuedBytes = this.#queue.reduce((sum, e) => sum + e.bytes, 0);
      }
      for (const call of calls) this.#fail(call, error);
    } finally {
      this.#sending = false;
      this.#schedule();
    }
  }

  #fail(call: Call, error: unknown): void {
    if (call.failed) return;
    call.failed = true;
    call.reject(error);
  }
}
