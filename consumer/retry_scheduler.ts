/**
 * Failed sentiment attempts wait here for their next try while the rest of the stream flows.
 * The schedule itself (which delay follows which failure, when to give up) is a pure function;
 * the scheduler is a min-heap on the due time with an injectable clock, so tests step time by
 * hand.
 *
 * @module
 */

/** Milliseconds since some fixed point; `Date.now` in the service, a counter in tests. */
export type Clock = () => number;

/** What to do after an item's `failures`-th failed attempt. */
export type RetryDecision =
  | { action: "retry"; delayMs: number }
  | { action: "give-up"; attempts: number };

/**
 * After failure n (1-based), retry after `delaysMs[n - 1]`; once every delay is used, the next
 * failure gives up. With the default 1, 2, 4, 8, 16 s that is 1 first try plus 5 retries:
 * 6 attempts in all, the last one about 31 s after the first.
 */
export function retryDecision(failures: number, delaysMs: readonly number[]): RetryDecision {
  if (failures < 1) throw new RangeError(`failures must be at least 1, got ${failures}`);
  if (failures > delaysMs.length) return { action: "give-up", attempts: failures };
  return { action: "retry", delayMs: delaysMs[failures - 1] };
}

interface Entry<T> {
  dueAt: number;
  order: number;
  item: T;
}

/** Items waiting until their due time; earliest first, ties in scheduling order. */
export class RetryScheduler<T> {
  #heap: Entry<T>[] = [];
  #order = 0;

  constructor(readonly clock: Clock = Date.now) {}

  get size(): number {
    return this.#heap.length;
  }

  /** Schedules `item` to become due `delayMs` from now. */
  schedule(item: T, delayMs: number): void {
    this.#push({ dueAt: this.clock() + delayMs, order: this.#order++, item });
  }

  /** The earliest due time, or null when nothing waits. */
  nextDueAt(): number | null {
    return this.#heap.length > 0 ? this.#heap[0].dueAt : null;
  }

  /** Removes and returns up to `max` items that are due now, earliest first. */
  takeDue(max = Infinity): T[] {
    const now = this.clock();
    const due: T[] = [];
    while (due.length < max && this.#heap.length > 0 && this.#heap[0].dueAt <= now) {
      due.push(this.#pop().item);
    }
    return due;
  }

  /** Removes every waiting item for which `predicate` holds and returns them. */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed: T[] = [];
    const kept: Entry<T>[] = [];
    for (const entry of this.#heap) {
      if (predicate(entry.item)) removed.push(entry.item);
      else kept.push(entry);
    }
    if (removed.length > 0) {
      this.#heap = [];
      for (const entry of kept) this.#push(entry);
    }
    return removed;
  }

  #less(a: Entry<T>, b: Entry<T>): boolean {
    return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order);
  }

  #push(entry: Entry<T>): void {
    const heap = this.#heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#less(heap[index], heap[parent])) break;
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
  }

  #pop(): Entry<T> {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (last !== undefined && heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && this.#less(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && this.#less(heap[right], heap[smallest])) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
        index = smallest;
      }
    }
    return top;
  }
}
