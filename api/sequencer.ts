/**
 * Puts the live comments in `seq` order and decides when a `seq` may be streamed.
 *
 * ## The problem
 * `comments.seq` is an identity column: PostgreSQL hands out values when a row is inserted, not
 * when its transaction commits. Two consumers inserting at once can commit 101..200 before
 * 1..100, and a rolled-back insert, or an `ON CONFLICT DO NOTHING` that hit a duplicate, leaves a
 * value that never appears at all. Kafka adds its own reordering (six partitions, at-least-once).
 * A client that has seen id 150 and resumes with `Last-Event-ID: 150` asks for `seq > 150`, so if
 * the server ever sent 150 before 120 was committed, 120 would be lost for that client.
 *
 * ## The rule
 * The sequencer keeps a watermark `W`: every comment with `seq <= W` that will ever exist is
 * committed and visible, and has been handed on in ascending `seq` order. It hands on a comment
 * only once the watermark can move past it, and the watermark only moves past a missing `seq`
 * once that `seq` is known to be permanently absent. Kafka messages are used as the fast path
 * (their payloads, and as a signal that PostgreSQL has rows above `W`); PostgreSQL decides.
 *
 * To settle the missing values in `(W, upper]` the sequencer
 * 1. reads the committed rows in that range (snapshot S),
 * 2. then lists the transactions that hold a `RowExclusiveLock` on `comments` (every writer
 *    takes that lock when its statement starts, before it draws a `seq`),
 * 3. waits until all of those transactions have ended,
 * 4. reads the range again: any `seq <= upper` still missing is permanently absent.
 * Why it is exact: a value `s <= upper` was drawn before the row `upper` committed, hence before
 * S. Its transaction had therefore taken its lock before step 2; if it was still running at
 * step 2 it was in the list and step 3 waited for it; if it had ended, step 4 sees its row or
 * the row never existed.
 *
 * ## What is promised, precisely
 * - `onDeliver` receives every comment stored after the instance started, each once, in strictly
 *   increasing `seq`, and all rows up to the returned watermark are readable from PostgreSQL.
 * - Repeats (Kafka redelivery, the same commentId twice) are dropped: anything `<= W` is old, and
 *   the pending set is keyed by `seq` and commentId, with a bounded window of delivered ids.
 * - Liveness over exactness in one case: a writer holding its lock longer than
 *   `gapTimeoutMs` (default 30 s) is not waited for; its missing values are declared absent, a
 *   warning is logged, and if such a row commits later it is logged as `late` and is not
 *   streamed (it is still returned by /api/comments). Nothing of this happens in normal operation.
 * - Memory is bounded: at most `maxPending` payloads wait above a gap; beyond that only the
 *   highest seen `seq` is kept and the rows are read back from PostgreSQL.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import type { ProcessedComment } from "@sentiment/contracts/messages";

/** The reads the sequencer needs from PostgreSQL. */
export interface SequenceStore {
  /** The highest committed seq, 0 when the table is empty. */
  maxSeq(): Promise<number>;
  /** Committed rows with `after < seq <= upTo`, ascending, at most `limit`. */
  rowsBetween(after: number, upTo: number, limit: number): Promise<ProcessedComment[]>;
  /** Ids of transactions now holding a write lock on `comments`. */
  activeWriters(): Promise<string[]>;
  /** Which of `ids` are still running. */
  stillActive(ids: readonly string[]): Promise<string[]>;
}

export interface SequencerOptions {
  maxPending: number;
  gapTimeoutMs: number;
  /** Rows read from PostgreSQL per query. */
  pageSize: number;
  dedupeWindow: number;
  /** Delay before retrying after a failed query. */
  retryDelayMs?: number;
}

/** Receives comments in seq order; `watermark` is the new W (>= the last comment's seq). */
export type DeliverFn = (comments: ProcessedComment[], watermark: number) => void;

export interface SequencerStats {
  watermark: number;
  pending: number;
  delivered: number;
  repeatsDropped: number;
  gapsDeclaredAbsent: number;
  gapTimeouts: number;
  late: number;
}

export class Sequencer {
  #store: SequenceStore;
  #options: Required<SequencerOptions>;
  #deliver: DeliverFn;
  #log: Logger;
  #watermark = -1;
  #target = 0;
  #pending = new Map<number, ProcessedComment>();
  #pendingIds = new Set<string>();
  /** Insertion-ordered window of delivered commentIds. */
  #recentIds = new Set<string>();
  #startWatermark = 0;
  #running = false;
  #again = false;
  #stopped = false;
  #idle: Promise<void> = Promise.resolve();
  #stats = { delivered: 0, repeatsDropped: 0, gapsDeclaredAbsent: 0, gapTimeouts: 0, late: 0 };

  constructor(store: SequenceStore, options: SequencerOptions, deliver: DeliverFn, log: Logger) {
    this.#store = store;
    this.#options = { retryDelayMs: 1_000, ...options };
    this.#deliver = deliver;
    this.#log = log;
  }

  /** True once {@link start} has fixed the starting watermark. */
  get started(): boolean {
    return this.#watermark >= 0;
  }

  /** W: everything up to here has been handed on or is known absent. -1 before start. */
  get watermark(): number {
    return this.#watermark;
  }

  stats(): SequencerStats {
    return { watermark: this.#watermark, pending: this.#pending.size, ...this.#stats };
  }

  /**
   * Fixes the starting watermark at the highest committed seq once every writer that could
   * still commit a lower one has ended; rows stored before this instance started are history
   * (served to resuming clients from PostgreSQL), not live events. Retries until it succeeds or
   * {@link stop} is called.
   */
  async start(): Promise<void> {
    while (!this.#stopped) {
      try {
        const max = await this.#store.maxSeq();
        await this.#waitForWriters(await this.#store.activeWriters());
        this.#watermark = max;
        this.#startWatermark = max;
        this.#target = Math.max(this.#target, max);
        for (const seq of [...this.#pending.keys()]) {
          if (seq <= max) this.#forget(seq);
        }
        this.#log.info("stream sequencer started", { watermark: max });
        this.#kick();
        return;
      } catch (error) {
        this.#log.warn("stream sequencer cannot read PostgreSQL yet; retrying", {
          error: asError(error),
        });
        await sleep(this.#options.retryDelayMs);
      }
    }
  }

  /** A comment from Kafka; repeats and old ones are dropped. Never throws. */
  offer(comment: ProcessedComment): void {
    const seq = comment.seq;
    if (
      (this.started && seq <= this.#watermark) || this.#pending.has(seq) ||
      this.#pendingIds.has(comment.commentId) || this.#recentIds.has(comment.commentId)
    ) {
      this.#stats.repeatsDropped++;
      if (this.started && seq <= this.#watermark && !this.#recentIds.has(comment.commentId)) {
        this.#noteLate(comment);
      }
      return;
    }
    if (this.#pending.size < this.#options.maxPending) {
      this.#pending.set(seq, comment);
      this.#pendingIds.add(comment.commentId);
    }
    if (seq > this.#target) this.#target = seq;
    this.#kick();
  }

  /** Tells the sequencer PostgreSQL holds rows up to `seq` (the poll safety net). */
  noteCommitted(seq: number): void {
    if (seq > this.#target) {
      this.#target = seq;
      this.#kick();
    }
  }

  /** Stops working; resolves when the current step has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#idle;
  }

  /** Resolves when there is nothing left to do (for tests and benchmarks). */
  async settled(): Promise<void> {
    while (this.#running) await this.#idle;
  }

  #noteLate(comment: ProcessedComment): void {
    // Rows at or below W that were never delivered: from before start (history, normal) or
    // committed after a gap timeout (late). Only the second is worth a warning.
    if (this.#stats.gapTimeouts > 0 && comment.seq > this.#startWatermark) {
      this.#stats.late++;
      this.#log.warn("late comment not streamed: committed after its seq was declared absent", {
        commentId: comment.commentId,
        seq: comment.seq,
      });
    }
  }

  #kick(): void {
    if (!this.started || this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#idle = this.#run().finally(() => this.#running = false);
  }

  async #run(): Promise<void> {
    do {
      this.#again = false;
      while (!this.#stopped && this.#target > this.#watermark) {
        try {
          await this.#step();
        } catch (error) {
          this.#log.warn("stream sequencer query failed; retrying", { error: asError(error) });
          await sleep(this.#options.retryDelayMs);
        }
      }
    } while (this.#again && !this.#stopped);
  }

  /** Moves W as far as the pending comments and PostgreSQL allow. */
  async #step(): Promise<void> {
    this.#flushContiguous();
    if (this.#watermark >= this.#target) return;
    const { pageSize } = this.#options;
    const target = this.#target;
    const rows = await this.#store.rowsBetween(this.#watermark, target, pageSize);
    const upper = rows.length === pageSize ? rows[rows.length - 1].seq : target;
    this.#adopt(rows);
    this.#flushContiguous();
    if (this.#watermark >= upper || this.#stopped) return;
    // A gap below `upper`: wait for every writer that might still fill it, then look again.
    await this.#waitForWriters(await this.#store.activeWriters());
    const again = await this.#store.rowsBetween(this.#watermark, upper, Number.MAX_SAFE_INTEGER);
    this.#adopt(again);
    const ready = [...this.#pending.keys()].filter((seq) => seq <= upper).sort((a, b) => a - b);
    const absent = upper - this.#watermark - ready.length;
    if (absent > 0) {
      this.#stats.gapsDeclaredAbsent += absent;
      if (this.#log.debugEnabled) {
        this.#log.debug("seq values never committed, skipped", {
          after: this.#watermark,
          upTo: upper,
          absent,
        });
      }
    }
    this.#emit(ready.map((seq) => this.#pending.get(seq)!), upper);
  }

  #adopt(rows: readonly ProcessedComment[]): void {
    for (const row of rows) {
      if (row.seq > this.#watermark && !this.#pending.has(row.seq)) {
        this.#pending.set(row.seq, row);
        this.#pendingIds.add(row.commentId);
      }
    }
  }

  #flushContiguous(): void {
    const batch: ProcessedComment[] = [];
    let next = this.#watermark + 1;
    while (this.#pending.has(next)) {
      batch.push(this.#pending.get(next)!);
      next++;
    }
    if (batch.length > 0) this.#emit(batch, next - 1);
  }

  #emit(batch: ProcessedComment[], watermark: number): void {
    for (const comment of batch) {
      this.#forget(comment.seq);
      this.#remember(comment.commentId);
    }
    this.#watermark = watermark;
    this.#stats.delivered += batch.length;
    // Called even for an empty batch: a moved watermark lets catching-up clients go live.
    this.#deliver(batch, watermark);
  }

  #forget(seq: number): void {
    const comment = this.#pending.get(seq);
    if (!comment) return;
    this.#pending.delete(seq);
    this.#pendingIds.delete(comment.commentId);
  }

  #remember(commentId: string): void {
    this.#recentIds.add(commentId);
    if (this.#recentIds.size > this.#options.dedupeWindow) {
      this.#recentIds.delete(this.#recentIds.values().next().value!);
    }
  }

  async #waitForWriters(writers: readonly string[]): Promise<void> {
    let remaining = writers;
    const deadline = Date.now() + this.#options.gapTimeoutMs;
    let delay = 2;
    while (remaining.length > 0 && !this.#stopped) {
      if (Date.now() >= deadline) {
        this.#stats.gapTimeouts++;
        this.#log.warn("writers on comments still running after the gap timeout; moving on", {
          writers: remaining.slice(0, 10),
          gapTimeoutMs: this.#options.gapTimeoutMs,
        });
        return;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, WRITER_POLL_MAX_MS);
      remaining = await this.#store.stillActive(remaining);
    }
  }
}

/**
 * Longest pause between two looks at the writers a gap waits for. Every live comment above the
 * gap waits out the rest of the pause after its writer commits: with 100 ms that was ~50 ms on
 * average of the processed → SSE hop. A look is one small pg_locks query, and a gap lasts as
 * long as one INSERT transaction (tens of ms), so 8 ms costs a handful of queries per gap.
 */
const WRITER_POLL_MAX_MS = 8;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function asError(error: unknown): Error | string {
  return error instanceof Error ? error : String(error);
}
