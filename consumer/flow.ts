/**
 * Flow control between Kafka and the pipeline: takes messages in (up to a bound on memory; the
 * Kafka side waits for room), runs a few pipeline passes at once, parks failed items in the
 * retry scheduler while later messages keep flowing, commits per partition only up to the
 * oldest unfinished message, and asks for fetching to pause while a dependency is down or the
 * consumer is stopping.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { AbandonedError, type InfraGuard } from "./infra_guard.ts";
import { type CommitPoint, OffsetTracker } from "./offsets.ts";
import { RetryScheduler } from "./retry_scheduler.ts";
import type { Stats } from "./stats.ts";
import { newWorkItem, type WorkItem } from "./work_item.ts";

/** How a pass left its items: finished, or waiting `delayMs` for another pass. */
export interface PassOutcome<Waiting extends WorkItem = WorkItem> {
  finished: readonly WorkItem[];
  retry: readonly { item: Waiting; delayMs: number }[];
}

/** The part of the pipeline the flow drives; `Waiting` is what its retries are. */
export interface PassRunner<Waiting extends WorkItem = WorkItem> {
  run(items: readonly WorkItem[], signal: AbortSignal): Promise<PassOutcome<Waiting>>;
}

/** What the flow asks of the Kafka side. */
export interface FlowHooks {
  /** Pause (true) or resume (false) fetching raw comments. */
  setPaused(paused: boolean): void;
  /** Commits the points; throws when Kafka refused. */
  commit(points: CommitPoint[]): Promise<void>;
}

export interface FlowOptions {
  batchSize: number;
  concurrency: number;
  maxInFlight: number;
  /**
   * How long fresh messages wait for more before a pass starts on fewer than `batchSize`
   * (0: at once). kafkajs hands over one fetch a partition at a time; without the wait each
   * partition became a pass of its own, with its own Redis, gRPC, INSERT and produce round trips.
   */
  gatherMs?: number;
  clock?: () => number;
}

/** A message as kafkajs hands it over. */
export interface InMessage {
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

/** Wait before re-running a pass that failed for an unexpected reason. */
const UNEXPECTED_FAILURE_DELAY_MS = 1000;
const COMMIT_RETRY_MS = 1000;

/** Drives passes over the in-flight messages and commits finished work. */
export class Flow {
  readonly tracker = new OffsetTracker();
  readonly scheduler: RetryScheduler<WorkItem>;
  #queue: WorkItem[] = [];
  #queueHead = 0;
  #inFlight = 0;
  #passes = new Set<Promise<void>>();
  #stopping = false;
  #abandon = new AbortController();
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimerAt = Infinity;
  #paused = false;
  #roomWaiters = new Set<() => void>();
  #committing: Promise<void> | null = null;
  #commitAgain = false;
  #commitTimer: ReturnType<typeof setTimeout> | undefined;
  #gatherTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly runner: PassRunner,
    readonly hooks: FlowHooks,
    readonly guard: InfraGuard,
    readonly stats: Stats,
    readonly logger: Logger,
    readonly options: FlowOptions,
  ) {
    this.scheduler = new RetryScheduler<WorkItem>(options.clock ?? Date.now);
  }

  /** Messages held: queued, in a pass, or waiting for a retry. */
  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  get waitingForRetry(): number {
    return this.scheduler.size;
  }

  get runningPasses(): number {
    return this.#passes.size;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /**
   * Takes in messages of one fetched batch, starting at index `from`, as many as the in-flight
   * bound allows. Returns the index of the first message not taken (`messages.length` when all
   * were) and the offset up to which Kafka may move its fetch position (null when nothing was
   * taken: intake is paused, and the rest must be fetched again later).
   */
  offer(
    topic: string,
    partition: number,
    messages: readonly InMessage[],
    lastOffset: string,
    from = 0,
  ): { next: number; resolveTo: string | null } {
    if (this.#stopping || this.guard.anyDown) {
      this.#updatePause();
      return { next: from, resolveTo: null };
    }
    const epoch = this.tracker.epoch(topic, partition);
    let room = this.options.maxInFlight - this.#inFlight;
    let resolveTo: string | null = null;
    let taken = 0;
    let next = from;
    for (; next < messages.length; next++) {
      const message = messages[next];
      const offset = Number(message.offset);
      if (this.tracker.seen(topic, partition, offset)) {
        // Kafka replays from the committed offset after a rebalance; these are still ours.
        resolveTo = message.offset;
        continue;
      }
      if (room <= 0) break;
      this.tracker.register(topic, partition, offset);
      this.#queue.push(newWorkItem(topic, partition, epoch, message));
      this.#inFlight++;
      room--;
      taken++;
      resolveTo = message.offset;
    }
    if (next === messages.length) {
      this.tracker.advance(topic, partition, Number(lastOffset));
      resolveTo = lastOffset;
    }
    this.stats.received += taken;
    this.#pumpSoon();
    if (taken === 0) this.#requestCommit();
    return { next, resolveTo };
  }

  /**
   * Resolves true once there is room for a full pass of new messages, false after `timeoutMs`
   * or when intake stopped. The Kafka side waits here (heartbeating) instead of pausing, which
   * would make kafkajs sleep a whole fetch wait before looking again.
   */
  waitForRoom(timeoutMs: number): Promise<boolean> {
    if (this.#hasRoom()) return Promise.resolve(true);
    if (this.#stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#roomWaiters.delete(wake);
        resolve(this.#hasRoom() && !this.#stopping);
      };
      const timer = setTimeout(wake, timeoutMs);
      this.#roomWaiters.add(wake);
    });
  }

  #hasRoom(): boolean {
    const { maxInFlight, batchSize } = this.options;
    return this.#inFlight === 0 || this.#inFlight <= maxInFlight - Math.min(batchSize, maxInFlight);
  }

  #notifyRoom(): void {
    if (this.#roomWaiters.size === 0 || (!this.#hasRoom() && !this.#stopping)) return;
    for (const wake of [...this.#roomWaiters]) wake();
  }

  /**
   * The partitions of `topic` this consumer now owns (after a rebalance). State of the others
   * is dropped: their unfinished work is neither committed nor continued; the new owner reads
   * it again from the committed offset.
   */
  assign(topic: string, partitions: readonly number[]): void {
    const owned = new Set(partitions);
    const revoked = new Set<number>();
    for (const tp of this.tracker.partitions()) {
      if (tp.topic === topic && !owned.has(tp.partition)) {
        this.tracker.revoke(tp.topic, tp.partition);
        revoked.add(tp.partition);
      }
    }
    if (revoked.size === 0) return;
    const gone = (item: WorkItem) => item.topic === topic && revoked.has(item.partition);
    const queued = this.#queue.slice(this.#queueHead);
    const kept = queued.filter((item) => !gone(item));
    const dropped = queued.length - kept.length + this.scheduler.removeWhere(gone).length;
    this.#queue = kept;
    this.#queueHead = 0;
    this.#inFlight -= dropped;
    this.logger.info("Partitions revoked", {
      topic,
      partitions: [...revoked],
      droppedMessages: dropped,
    });
    this.#notifyRoom();
  }

  /**
   * Graceful stop: stop taking messages, abandon queued and waiting ones (uncommitted, so they
   * are read again later), give running passes `timeoutMs` to finish, then commit what is done.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    this.#updatePause();
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#gatherTimer);
    this.#gatherTimer = undefined;
    const abandoned = this.queued + this.scheduler.size;
    this.#queue = [];
    this.#queueHead = 0;
    this.scheduler.removeWhere(() => true);
    this.#inFlight -= abandoned;
    this.#notifyRoom();
    this.logger.info("Stopping: waiting for passes in progress", {
      passes: this.#passes.size,
      abandonedMessages: abandoned,
    });
    const settled = Promise.all([...this.#passes]).then(() => true);
    const finished = await Promise.race([settled, delay(timeoutMs).then(() => false)]);
    if (!finished) {
      this.logger.warn("Passes did not finish in time; abandoning them uncommitted", {
        passes: this.#passes.size,
      });
      this.#abandon.abort();
      await Promise.race([settled, delay(2000)]);
    }
    clearTimeout(this.#commitTimer);
    await this.commitNow();
  }

  /** Commits every moved commit point now (waiting for a commit already running). */
  async commitNow(): Promise<void> {
    while (this.#committing) await this.#committing;
    const points = this.tracker.commitPoints();
    if (points.length === 0) return;
    await this.hooks.commit(points);
    this.tracker.markCommitted(points);
  }

  #updatePause(): void {
    const paused = this.#stopping || this.guard.anyDown;
    if (paused !== this.#paused) {
      this.#paused = paused;
      this.hooks.setPaused(paused);
    }
  }

  /** Re-evaluates pausing after the guard's view of the dependencies changed. */
  dependenciesChanged(): void {
    this.#updatePause();
    this.#pump();
  }

  /**
   * Starts passes once the rest of the fetch had `gatherMs` to arrive, or at once when a full
   * pass is queued: the partitions of one fetch then share one pass.
   */
  #pumpSoon(): void {
    const gatherMs = this.options.gatherMs ?? 0;
    if (gatherMs <= 0 || this.queued >= this.options.batchSize) {
      this.#pump();
      return;
    }
    this.#gatherTimer ??= setTimeout(() => {
      this.#gatherTimer = undefined;
      this.#pump();
    }, gatherMs);
  }

  #pump(): void {
    if (this.#stopping) return;
    while (this.#passes.size < this.options.concurrency) {
      const items = this.#takeWork();
      if (items.length === 0) break;
      this.#startPass(items);
    }
    this.#armRetryTimer();
  }

  #takeWork(): WorkItem[] {
    const max = this.options.batchSize;
    // Due retries first: they are the oldest work and hold back their partitions' commits.
    const items = this.scheduler.takeDue(max);
    const take = Math.min(max - items.length, this.queued);
    if (take > 0) {
      for (let index = 0; index < take; index++) items.push(this.#queue[this.#queueHead + index]);
      this.#queueHead += take;
      if (this.#queueHead > 4096 && this.#queueHead * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#queueHead);
        this.#queueHead = 0;
      }
    }
    return items;
  }

  #armRetryTimer(): void {
    const next = this.scheduler.nextDueAt();
    if (next === null || this.#stopping) return;
    if (this.#retryTimer !== undefined && this.#retryTimerAt <= next) return;
    clearTimeout(this.#retryTimer);
    const clock = this.options.clock ?? Date.now;
    this.#retryTimerAt = next;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retryTimerAt = Infinity;
      this.#pump();
    }, Math.max(0, next - clock()));
  }

  #startPass(items: WorkItem[]): void {
    const pass = this.#runPass(items).finally(() => {
      this.#passes.delete(pass);
      this.#pump();
      this.#notifyRoom();
    });
    this.#passes.add(pass);
  }

  async #runPass(items: WorkItem[]): Promise<void> {
    let result: PassOutcome;
    try {
      result = await this.runner.run(items, this.#abandon.signal);
    } catch (error) {
      if (error instanceof AbandonedError) {
        this.#inFlight -= items.length;
        return;
      }
      this.logger.error("Pipeline pass failed unexpectedly; retrying its messages", {
        error,
        messages: items.length,
      });
      result = {
        finished: [],
        retry: items.map((item) => ({ item, delayMs: UNEXPECTED_FAILURE_DELAY_MS })),
      };
    }
    for (const item of result.finished) {
      this.#inFlight--;
      this.tracker.finish(item.topic, item.partition, item.epoch, Number(item.offset));
    }
    for (const { item, delayMs } of result.retry) {
      if (this.#stopping || !this.#isCurrent(item)) {
        // Abandoned: stays unfinished in the tracker (or its partition is gone).
        this.#inFlight--;
      } else {
        detachBytes(item);
        this.scheduler.schedule(item, delayMs);
      }
    }
    this.#requestCommit();
  }

  #isCurrent(item: WorkItem): boolean {
    return this.tracker.isCurrent(item.topic, item.partition, item.epoch);
  }

  /** Commits in the background, one commit at a time, coalescing requests. */
  #requestCommit(): void {
    if (this.#committing) {
      this.#commitAgain = true;
      return;
    }
    const points = this.tracker.commitPoints();
    if (points.length === 0) return;
    this.#committing = (async () => {
      try {
        await this.hooks.commit(points);
        this.tracker.markCommitted(points);
      } catch (error) {
        this.logger.warn("Offset commit failed; will retry", { error });
        clearTimeout(this.#commitTimer);
        this.#commitTimer = setTimeout(() => this.#requestCommit(), COMMIT_RETRY_MS);
      } finally {
        this.#committing = null;
      }
      if (this.#commitAgain) {
        this.#commitAgain = false;
        this.#requestCommit();
      }
    })();
  }
}

/**
 * Gives a waiting item its own copy of its key and value. kafkajs hands out views into the
 * whole fetch response (up to several MB); an item waiting seconds for its retry would keep
 * that entire buffer alive, and a few hundred such items kept most of the consumer's memory.
 */
export function detachBytes(item: WorkItem): void {
  if (item.value !== null && item.value.byteLength !== item.value.buffer.byteLength) {
    // Uint8Array's slice copies (Buffer's returns another view).
    item.value = Uint8Array.prototype.slice.call(item.value);
  }
  if (item.key !== null && item.key.byteLength !== item.key.buffer.byteLength) {
    item.key = Uint8Array.prototype.slice.call(item.key);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
