/**
 * Which offsets a Kafka source may commit: per partition, the records handed
 * on and not yet acknowledged, in offset order. A partition's commit point is
 * its lowest unacknowledged offset (or one past the last record when all are
 * acknowledged), so a commit never covers a record whose results are not
 * stored yet, however out of order the acknowledgements come.
 *
 * @module
 */

interface Pending {
  readonly offset: bigint;
  done: boolean;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly pending: Pending[];
  head: number;
  /** One past the last record taken. */
  next: bigint;
  leaderEpoch: number;
  /** The last commit point handed out by {@linkcode OffsetTracker.due}. */
  committed: bigint | undefined;
}

/** A commit point of one partition. */
export interface CommitPoint {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: everything below it is done. */
  readonly offset: bigint;
  readonly leaderEpoch: number;
}

/** Pending offsets of every partition a source reads. */
export class OffsetTracker {
  readonly #partitions = new Map<string, PartitionState>();

  /** Registers a record handed on; returns its acknowledgement (idempotent). */
  track(topic: string, partition: number, offset: bigint, leaderEpoch: number): () => void {
    const key = `${topic}\u0000${partition}`;
    let state = this.#partitions.get(key);
    if (state === undefined) {
      state = {
        topic,
        partition,
        pending: [],
        head: 0,
        next: offset,
        leaderEpoch,
        committed: undefined,
      };
      this.#partitions.set(key, state);
    }
    const entry: Pending = { offset, done: false };
    state.pending.push(entry);
    state.next = offset + 1n;
    state.leaderEpoch = leaderEpoch;
    const held = state;
    return () => {
      if (entry.done) return;
      entry.done = true;
      // Only the partition's state of this tracking may move; a forgotten one is gone.
      if (this.#partitions.get(key) === held) this.#advance(held);
    };
  }

  /** Records handed on and not acknowledged, over every partition. */
  get unacknowledged(): number {
    let n = 0;
    for (const s of this.#partitions.values()) {
      for (let i = s.head; i < s.pending.length; i++) if (!s.pending[i]!.done) n++;
    }
    return n;
  }

  /** Commit points that moved since the last call. */
  due(): CommitPoint[] {
    const out: CommitPoint[] = [];
    for (const s of this.#partitions.values()) {
      const point = s.head < s.pending.length ? s.pending[s.head]!.offset : s.next;
      if (s.committed === undefined || point > s.committed) {
        out.push({
          topic: s.topic,
          partition: s.partition,
          offset: point,
          leaderEpoch: s.leaderEpoch,
        });
      }
    }
    return out;
  }

  /** Notes that a commit point was committed. */
  committed(point: CommitPoint): void {
    const s = this.#partitions.get(`${point.topic}\u0000${point.partition}`);
    if (s !== undefined && (s.committed === undefined || point.offset > s.committed)) {
      s.committed = point.offset;
    }
  }

  /** Forgets partitions this source no longer owns; their late acknowledgements do nothing. */
  forget(keep: (topic: string, partition: number) => boolean): void {
    for (const [key, s] of this.#partitions) {
      if (!keep(s.topic, s.partition)) this.#partitions.delete(key);
    }
  }

  #advance(s: PartitionState): void {
    while (s.head < s.pending.length && s.pending[s.head]!.done) s.head++;
    if (s.head > 1024 && s.head * 2 > s.pending.length) {
      s.pending.splice(0, s.head);
      s.head = 0;
    }
  }
}
