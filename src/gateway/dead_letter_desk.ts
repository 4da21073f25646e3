/**
 * What an operator can do with dead letters: list them (filtered, newest
 * first, a page at a time), look at one, export them as `weir graph test`
 * input, replay them into their dataflow, and purge them. They are the
 * queue's dead-letter rows; a replayed one leaves the queue only once its
 * dataflow has handled it (stored its results, filtered it, or dead-lettered
 * it again), as the acknowledgement of any input.
 *
 * @module
 */
import { WeirError } from "../base/mod.ts";
import type { OutboundQueue, RowFilter } from "../store/mod.ts";
import type { DeadLetterPage, DeadLetterQuery, ReplayResult } from "./control.ts";
import {
  type DeadLetterDetail,
  deadLetterEntry,
  deadLetterInputLine,
  deadLetterRecord,
  type PreviewFormat,
} from "./dead_letter_view.ts";
import { deadLetterDestination } from "./dead_letters.ts";
import type { ReplayRecord } from "./dataflow_host.ts";

/** The most dead letters one replay takes. */
export const MAX_REPLAY = 10_000;

/** Where replayed records go: the dataflow's own intake. */
export interface ReplayTarget {
  /** Feeds records as a source batch; each `done` runs once the record is handled. */
  replay(records: readonly ReplayRecord[]): Promise<void>;
}

/** Dead letters of every dataflow, over the outbound queue. */
export class DeadLetterDesk {
  readonly #queue: OutboundQueue;
  readonly #target: (dataflow: string) => ReplayTarget | undefined;

  /** A desk over `queue`; `target` finds a running dataflow by name. */
  constructor(queue: OutboundQueue, target: (dataflow: string) => ReplayTarget | undefined) {
    this.#queue = queue;
    this.#target = target;
  }

  /** A page of dead letters, newest first, with short previews. */
  list(query: DeadLetterQuery = {}): DeadLetterPage {
    const limit = Math.min(Math.max(1, query.limit ?? 50), 500);
    const filter = filterOf(query);
    const rows = this.#queue.list({ ...filter, newestFirst: true, limit });
    const deadLetters = rows.map((row) => {
      const { payloadBase64: _, ...entry } = deadLetterEntry(row, { maxChars: 200, compact: true });
      return entry;
    });
    return {
      deadLetters,
      ...(rows.length === limit ? { next: rows.at(-1)!.seq } : {}),
      total: this.#queue.count(filter),
    };
  }

  /** One dead letter with its payload, previewed as asked. */
  get(seq: number, as?: PreviewFormat): DeadLetterDetail | undefined {
    const row = this.#queue.get(seq);
    if (row === undefined || !row.deadLetter) return undefined;
    return deadLetterEntry(row, as === undefined ? {} : { as });
  }

  /**
   * `weir graph test` input lines of the matching dead letters, oldest first;
   * those that hold no whole message (too large, not a message) are counted
   * in `skipped` instead.
   */
  *export(
    query: DeadLetterQuery = {},
    skipped: { count: number } = { count: 0 },
  ): Generator<string> {
    const filter = filterOf(query);
    let after = 0;
    for (;;) {
      const rows = this.#queue.list({ ...filter, after, limit: 500 });
      if (rows.length === 0) return;
      after = rows.at(-1)!.seq;
      for (const row of rows) {
        const line = deadLetterInputLine(deadLetterEntry(row));
        if (line === undefined) skipped.count++;
        else yield line;
      }
    }
  }

  /**
   * Replays the matching dead letters (oldest first, at most
   * {@linkcode MAX_REPLAY}) into their dataflows as source records with their
   * original time and properties. Resolves once every dataflow took its
   * records, after waiting up to `waitMs` for them to be handled.
   */
  async replay(query: DeadLetterQuery, waitMs = 5_000): Promise<ReplayResult> {
    const rows = this.#queue.list({ ...filterOf(query), limit: MAX_REPLAY });
    const skipped: Array<{ seq: number; reason: string }> = [];
    const byDataflow = new Map<string, ReplayRecord[]>();
    let handled = 0;
    let allHandled!: () => void;
    const finished = new Promise<void>((resolve) => (allHandled = resolve));
    let outstanding = 0;
    // Handled ones leave the queue together, one transaction per turn rather than one each.
    let gone: number[] = [];
    const flush = () => {
      const seqs = gone;
      gone = [];
      this.#queue.remove({ seqs, deadLetters: true });
      handled += seqs.length;
      outstanding -= seqs.length;
      if (outstanding === 0) allHandled();
    };
    const done = (seq: number) => () => {
      // The dataflow handled it: its results are stored or it was dead-lettered anew.
      if (gone.push(seq) === 1) queueMicrotask(flush);
    };
    for (const row of rows) {
      const entry = deadLetterEntry(row);
      const record = deadLetterRecord(entry);
      if (record === undefined) {
        skipped.push({
          seq: row.seq,
          reason: "holds no whole message (too large or not a message)",
        });
        continue;
      }
      if (this.#target(entry.dataflow) === undefined) {
        skipped.push({ seq: row.seq, reason: `dataflow "${entry.dataflow}" is not running here` });
        continue;
      }
      const list = byDataflow.get(entry.dataflow) ?? [];
      list.push({ ...record, done: done(row.seq) });
      byDataflow.set(entry.dataflow, list);
      outstanding++;
    }
    const replayed = outstanding;
    if (outstanding === 0) allHandled();
    for (const [dataflow, records] of byDataflow) {
      await this.#target(dataflow)!.replay(records);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      finished,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
    return { replayed, handled, skipped };
  }

  /** Deletes the matching dead letters; returns how many. */
  purge(query: DeadLetterQuery): number {
    return this.#queue.remove(filterOf(query));
  }
}

/** The queue filter for a query: always dead letters only. */
function filterOf(query: DeadLetterQuery): RowFilter {
  if (query.limit !== undefined && !(query.limit >= 1)) {
    throw new WeirError("usage", `Limit "${query.limit}" must be at least 1`);
  }
  return {
    deadLetters: true,
    ...(query.dataflow === undefined ? {} : { destination: deadLetterDestination(query.dataflow) }),
    ...(query.seqs === undefined ? {} : { seqs: query.seqs }),
    ...(query.before === undefined ? {} : { before: query.before }),
    ...(query.operation === undefined ? {} : { payloadEquals: { operation: query.operation } }),
    ...(query.reason === undefined ? {} : { payloadContains: { reason: query.reason } }),
  };
}
