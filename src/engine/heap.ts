/**
 * A binary min-heap: delay and accumulate keep their held records and staged
 * values ordered by time, so closing a window costs log n, not a scan.
 *
 * @module
 */

/** A min-heap ordered by `compare`. */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #compare: (a: T, b: T) => number;

  /** Makes an empty heap. */
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  /** How many items it holds. */
  get size(): number {
    return this.#items.length;
  }

  /** The smallest item, or undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an item. */
  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && this.#compare(items[l]!, items[m]!) < 0) m = l;
      if (r < items.length && this.#compare(items[r]!, items[m]!) < 0) m = r;
      if (m === i) break;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
    return top;
  }
}
