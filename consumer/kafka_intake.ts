/**
 * The kafkajs side of the consumer: a group member on raw-comments whose eachBatch only hands
 * messages to the flow and moves the fetch position past what the flow took. Nothing is
 * committed by kafkajs (autoCommit off); the flow commits its low-water marks itself.
 *
 * @module
 */
import { type Consumer, type Kafka, type logCreator, logLevel as KafkaLogLevel } from "kafkajs";
import type { Logger } from "@sentiment/kit/log";
import type { CommitPoint } from "./offsets.ts";
import type { InMessage } from "./flow.ts";

/** What the intake drives on the flow. */
export interface IntakeTarget {
  offer(
    topic: string,
    partition: number,
    messages: readonly InMessage[],
    lastOffset: string,
    from?: number,
  ): { next: number; resolveTo: string | null };
  waitForRoom(timeoutMs: number): Promise<boolean>;
  assign(topic: string, partitions: readonly number[]): void;
}

/** Routes kafkajs's own log lines into the service's JSON log (its info chatter at debug). */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, ...fields } = log;
    const line = `kafkajs ${namespace}: ${message}`;
    if (level === KafkaLogLevel.ERROR) logger.error(line, fields);
    else if (level === KafkaLogLevel.WARN) logger.warn(line, fields);
    else logger.debug(line, fields);
  };
}

/** How a fetch waits at the broker: until `minBytes` are there or `maxWaitMs` passed. */
export interface FetchWait {
  minBytes: number;
  maxWaitMs: number;
}

/** Answer at the first byte; wait 1 s while nothing arrives (also the paused polling interval). */
const ANSWER_AT_FIRST_BYTE: FetchWait = { minBytes: 1, maxWaitMs: 1_000 };

/** A running consumer-group member feeding the flow. */
export class KafkaIntake {
  /** Called with each fetched batch's high watermark (for the lag metric). */
  onBatch: (partition: number, highWatermark: string, lastOffset: string) => void = () => {};
  readonly consumer: Consumer;
  /** True once the group assigned partitions, until the consumer stops or crashes. */
  joined = false;
  /** Set when kafkajs crashed for good; the service should stop. */
  onFatal: (error: Error) => void = () => {};
  #wantPaused = false;
  #listening = false;

  constructor(
    kafka: Kafka,
    readonly groupId: string,
    readonly topic: string,
    readonly logger: Logger,
    sessionTimeoutMs = 30_000,
    rebalanceTimeoutMs = 60_000,
    fetchWait: FetchWait = ANSWER_AT_FIRST_BYTE,
  ) {
    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      rebalanceTimeout: rebalanceTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeoutMs / 10)),
      allowAutoTopicCreation: false,
      maxBytesPerPartition: 1_048_576,
      // 2 MiB (not 10): a fetch response stays alive while any message viewing it is in flight,
      // so its size multiplies the memory held; 2 MiB is still ~5 000 comments per fetch.
      maxBytes: 2_097_152,
      minBytes: fetchWait.minBytes,
      // Also how long kafkajs sleeps between looks while paused.
      maxWaitTimeInMs: fetchWait.maxWaitMs,
    });
  }

  /** Joins the group and starts handing batches to `target`; safe to call again after a failure. */
  async start(target: IntakeTarget): Promise<void> {
    const { consumer, topic } = this;
    if (!this.#listening) this.#listen(target);
    await consumer.connect();
    // A new group starts at the beginning of the topic, so nothing published before the
    // consumer first ran is skipped.
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const { messages } = batch;
        const last = batch.lastOffset();
        this.onBatch(batch.partition, batch.highWatermark, last);
        let from = 0;
        for (;;) {
          const { next, resolveTo } = target.offer(topic, batch.partition, messages, last, from);
          // What is not resolved is fetched again (after a pause, or by the next owner).
          if (resolveTo !== null) resolveOffset(resolveTo);
          if (
            next >= messages.length || (resolveTo === null && next === from && this.#wantPaused)
          ) {
            return;
          }
          from = next;
          // The in-flight bound is reached: wait here, so fetching stops without kafkajs's
          // pause (which would sleep a whole fetch wait), and keep the membership alive.
          await target.waitForRoom(1_000);
          try {
            await heartbeat();
          } catch {
            return; // A rebalance: kafkajs rejoins and fetches from the committed offsets.
          }
          if (!isRunning() || isStale()) return;
        }
      },
    });
  }

  #listen(target: IntakeTarget): void {
    this.#listening = true;
    const { consumer, topic } = this;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[topic] ?? [];
      this.logger.info("Joined the consumer group", {
        groupId: this.groupId,
        memberId: payload.memberId,
        partitions,
      });
      target.assign(topic, partitions);
      this.joined = true;
      this.#applyPause();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      this.logger.error("Kafka consumer crashed", {
        error: payload.error,
        restarting: payload.restart,
      });
      if (!payload.restart) this.onFatal(payload.error);
    });
    consumer.on(consumer.events.STOP, () => {
      this.joined = false;
    });
  }

  /** Pauses or resumes fetching the whole topic. */
  setPaused(paused: boolean): void {
    this.#wantPaused = paused;
    this.#applyPause();
  }

  /** Commits the given points under the current group generation. */
  async commit(points: readonly CommitPoint[]): Promise<void> {
    await this.consumer.commitOffsets(
      points.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    );
  }

  /** Leaves the group and closes the connections. */
  async stop(): Promise<void> {
    this.joined = false;
    await this.consumer.disconnect();
  }

  #applyPause(): void {
    try {
      if (this.#wantPaused) this.consumer.pause([{ topic: this.topic }]);
      else this.consumer.resume([{ topic: this.topic }]);
    } catch {
      // Before run() there is no group to pause yet; the wish is applied on joining.
    }
  }
}
