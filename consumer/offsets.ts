/**
 * Which Kafka offsets may be committed: per partition, everything before the oldest message
 * whose work is not finished (stored and published, or dead-lettered). Messages finish out of
 * order (a comment waiting 16 s for a retry must not hold back the ones behind it in memory), but
 * the committed offset never passes an unfinished one, so a crash replays exactly the work that
 * was not done.
 *
 * Pure bookkeeping, no I/O. Offsets are held as numbers: Kafka offsets are int64, but a
 * partition would need 2^53 messages to lose precision.
 *
 * @module
 */

/** A partition's commit point: `offset` is the next offset to read, as Kafka expects. */
export interface CommitPoint {
  topic: string;
  partition: number;
  offset: string;
}

interface PartitionState {
  topic: string;
  partition: number;
  /** Changes whenever the partition is (re)assigned, so finishes from an old assignment are ignored. */
  epoch: number;
  /** Registered offsets in ascending order; entries before `head` are finished. */
  pending: number[];
  head: number;
  /** Finished offsets at or after `head`, waiting for the ones before them. */
  finished: Set<number>;
  /** Highest offset handed to us (registered or skipped as a gap); -1 before the first. */
  highest: number;
  /** Next offset already committed; -1 when nothing was committed by this tracker. */
  committed: number;
}

function keyOf(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

/** Per-partition low-water marks of finished work. */
export class OffsetTracker {
  #partitions = new Map<string, PartitionState>();
  #nextEpoch = 1;

  /** The partition's current epoch, creating its state on first use. */
  epoch(topic: string, partition: number): number {
    return this.#state(topic, partition).epoch;
  }

  /** True while the partition is owned under the same assignment as `epoch`. */
  isCurrent(topic: string, partition: number, epoch: number): boolean {
    return this.#partitions.get(keyOf(topic, partition))?.epoch === epoch;
  }

  /** True when the offset was already handed to us in this assignment (a re-delivery). */
  seen(topic: string, partition: number, offset: number): boolean {
    const state = this.#partitions.get(keyOf(topic, partition));
    return state !== undefined && offset <= state.highest;
  }

  /** Records a message whose work starts now. Offsets must ascend per partition. */
  register(topic: string, partition: number, offset: number): void {
    const state = this.#state(topic, partition);
    if (offset <= state.highest) {
      throw new RangeError(
        `offset ${offset} of ${topic}/${partition} is not above ${state.highest}`,
      );
    }
    state.pending.push(offset);
    state.highest = offset;
  }

  /**
   * Marks offsets up to `offset` as handed over without work of their own (control records,
   * compacted gaps, re-deliveries), so the commit point can move past them once earlier
   * messages are finished.
   */
  advance(topic: string, partition: number, offset: number): void {
    const state = this.#state(topic, partition);
    if (offset > state.highest) state.highest = offset;
  }

  /**
   * Marks one message's work as finished. Returns false (and changes nothing) when the
   * partition was revoked or reassigned since the message was registered.
   */
  finish(topic: string, partition: number, epoch: number, offset: number): boolean {
    const state = this.#partitions.get(keyOf(topic, partition));
    if (!state || state.epoch !== epoch) return false;
    if (offset > state.highest) return false;
    state.finished.add(offset);
    this.#compact(state);
    return true;
  }

  /** The next offset to read after all finished work, or null before anything was registered. */
  lowWaterMark(topic: string, partition: number): number | null {
    const state = this.#partitions.get(keyOf(topic, partition));
    if (!state || state.highest < 0) return null;
    return state.head < state.pending.length ? state.pending[state.head] : state.highest + 1;
  }

  /** Messages registered and not yet finished in the partition. */
  unfinished(topic: string, partition: number): number {
    const state = this.#partitions.get(keyOf(topic, partition));
    return state ? state.pending.length - state.head : 0;
  }

  /** Commit points that moved since the last {@link markCommitted}. */
  commitPoints(): CommitPoint[] {
    const points: CommitPoint[] = [];
    for (const state of this.#partitions.values()) {
      const mark = this.lowWaterMark(state.topic, state.partition);
      if (mark !== null && mark > state.committed) {
        points.push({ topic: state.topic, partition: state.partition, offset: String(mark) });
      }
    }
    return points;
  }

  /** Records that these points were committed (ignoring partitions revoked meanwhile). */
  markCommitted(points: readonly CommitPoint[]): void {
    for (const point of points) {
      const state = this.#partitions.get(keyOf(point.topic, point.partition));
      const offset = Number(point.offset);
      if (state && offset > state.committed) state.committed = offset;
    }
  }

  /** Forgets a partition that this consumer no longer owns; its unfinished work is not committed. */
  revoke(topic: string, partition: number): void {
    this.#partitions.delete(keyOf(topic, partition));
  }

  /** Partitions with state, as `{ topic, partition }`. */
  partitions(): { topic: string; partition: number }[] {
    return [...this.#partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  #state(topic: string, partition: number): PartitionState {
    const key = keyOf(topic, partition);
    let state = this.#partitions.get(key);
    if (!state) {
      state = {
        topic,
        partition,
        epoch: this.#nextEpoch++,
        pending: [],
        head: 0,
        finished: new Set(),
        highest: -1,
        committed: -1,
      };
      this.#partitions.set(key, state);
    }
    return state;
  }

  #compact(state: PartitionState): void {
    while (state.head < state.pending.length && state.finished.has(state.pending[state.head])) {
      state.finished.delete(state.pending[state.head]);
      state.head++;
    }
    // Drop the finished prefix now and then so the array does not grow without bound.
    if (state.head > 1024 && state.head * 2 > state.pending.length) {
      state.pending = state.pending.slice(state.head);
      state.head = 0;
    }
  }
}
