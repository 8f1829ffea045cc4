/**
 * Reads `processed-comments` with a consumer group of this instance's own, so every api instance
 * sees every comment. Each message is checked against the proto schema and nothing stricter (the
 * tolerant-reader policy lives there: unknown fields ignored, optional fields passed on); a bad
 * one is logged and skipped. Good ones go to the sequencer, which drops repeats.
 *
 * The reader keeps itself running: a start that fails (broker away, topic missing) or a crash
 * kafkajs does not restart from is retried with back-off until {@link ProcessedConsumer.stop},
 * and {@link ProcessedConsumer.state} says why it is not running meanwhile (for `/readyz`).
 *
 * @module
 */
import { Kafka, type KafkaMessage, logLevel as kafkaLogLevel } from "kafkajs";
import type { Logger } from "@sentiment/kit/log";
import { type ProcessedComment, ProcessedCommentSchema } from "@sentiment/contracts/messages";

export type ParsedMessage =
  | { ok: true; comment: ProcessedComment }
  | { ok: false; problem: string };

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Checks one Kafka value against ProcessedCommentSchema. Never throws. */
export function parseProcessedMessage(value: Uint8Array | null): ParsedMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(value ?? new Uint8Array()));
  } catch (error) {
    return { ok: false, problem: `not JSON: ${(error as Error).message}` };
  }
  const result = ProcessedCommentSchema.safeParse(parsed);
  if (result.success) return { ok: true, comment: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: `${issue.path.join(".") || "message"}: ${issue.message}` };
}

export interface ProcessedConsumerOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  clientId: string;
  /** Delete the group on stop (it is ephemeral, named for this process). */
  deleteGroupOnStop: boolean;
  log: Logger;
  onComment: (comment: ProcessedComment) => void;
}

export interface ProcessedConsumer {
  /** Starts reading, retrying until it runs or {@link stop} is called; resolves then. */
  start(): Promise<void>;
  /** True while the broker answers, else why not. */
  brokerReady(): Promise<true | string>;
  /** True while the group is joined and reading, else why not. */
  state(): true | string;
  stop(): Promise<void>;
  stats(): { received: number; invalid: number };
}

/** Longest wait between two attempts to start the reader. */
const RESTART_MAX_MS = 5_000;

/**
 * How often the read positions are committed. kafkajs's autoCommit awaits one commit request
 * after every partition's batch before it fetches again: six round trips between two fetches,
 * each a hop every live comment waited for. The positions only matter when kafkajs restarts the
 * reader after a crash (a fresh start uses a new group), and the sequencer fills any gap from
 * PostgreSQL, so a commit now and then is enough.
 */
const COMMIT_INTERVAL_MS = 1_000;

export function createProcessedConsumer(options: ProcessedConsumerOptions): ProcessedConsumer {
  const { log } = options;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: kafkaLogLevel.NOTHING,
    retry: { retries: 1_000_000, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    // The group is new on every start; nothing older than "now" is wanted from Kafka, since
    // resuming clients read history from PostgreSQL.
    retry: { retries: 1_000_000, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  const admin = kafka.admin();
  let joined = false;
  let stopped = false;
  /** Why the reader is not running (while not joined). */
  let notRunning = "starting: joining the processed-comments group";
  let received = 0;
  let invalid = 0;
  /** Next offset to read per partition, not yet committed. */
  const positions = new Map<number, string>();
  let committing = false;
  const commitPositions = async () => {
    if (committing || positions.size === 0 || !joined) return;
    committing = true;
    const offsets = [...positions].map(([partition, offset]) => ({
      topic: options.topic,
      partition,
      offset,
    }));
    positions.clear();
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      // A rebalance or a broker away: the next interval commits the newer positions.
      log.debug("could not commit the processed-comments positions", { error });
    } finally {
      committing = false;
    }
  };
  let commitTimer: ReturnType<typeof setInterval> | undefined;
  /** Resolves the wait of a running `start` loop: after a crash for good, or on stop. */
  let restart: () => void = () => {};
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    // Positions of partitions read under the old assignment are not this member's to commit.
    positions.clear();
    log.info("joined processed-comments group", { groupId: options.groupId });
  });
  consumer.on(consumer.events.CRASH, (event) => {
    joined = false;
    const error = String(event.payload.error);
    const restarts = (event.payload as { restart?: boolean }).restart !== false;
    notRunning = `crashed: ${error}${restarts ? "; restarting" : ""}`;
    log.error(
      restarts
        ? "processed-comments consumer crashed; kafkajs restarts it"
        : "processed-comments consumer crashed; starting it again",
      { error },
    );
    if (!restarts) restart();
  });
  consumer.on(consumer.events.STOP, () => {
    joined = false;
    if (!stopped) notRunning = "stopped";
  });

  const handle = (message: KafkaMessage, partition: number) => {
    received++;
    const parsed = parseProcessedMessage(message.value);
    if (parsed.ok) {
      options.onComment(parsed.comment);
      return;
    }
    invalid++;
    log.warn("invalid processed comment skipped", {
      topic: options.topic,
      partition,
      offset: message.offset,
      problem: parsed.problem,
    });
  };

  const runOnce = async () => {
    await admin.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) handle(message, batch.partition);
        if (batch.messages.length > 0) {
          positions.set(batch.partition, String(Number(batch.lastOffset()) + 1));
        }
        await Promise.resolve();
      },
    });
  };

  return {
    async start() {
      if (!stopped) commitTimer ??= setInterval(commitPositions, COMMIT_INTERVAL_MS);
      let delay = 300;
      while (!stopped) {
        // Set before running, so a crash at any point after is seen.
        const gaveUp = new Promise<void>((resolve) => restart = resolve);
        try {
          await runOnce();
          delay = 300;
          // Running; a crash kafkajs gives up on (or stop) resolves this.
          await gaveUp;
          if (stopped) return;
          await consumer.stop().catch(() => {});
        } catch (error) {
          if (stopped) return;
          notRunning = `cannot start: ${error instanceof Error ? error.message : String(error)}`;
          log.error("cannot start the processed-comments consumer; retrying", {
            error,
            retryInMs: delay,
          });
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(delay * 2, RESTART_MAX_MS);
        }
      }
    },
    async brokerReady() {
      try {
        await withTimeout(admin.describeCluster(), 2_000);
        return true;
      } catch (error) {
        return `the broker does not answer: ${error instanceof Error ? error.message : error}`;
      }
    },
    state: () => joined ? true : notRunning,
    async stop() {
      stopped = true;
      clearInterval(commitTimer);
      restart();
      await consumer.disconnect().catch(() => {});
      if (options.deleteGroupOnStop) {
        await withTimeout(admin.deleteGroups([options.groupId]), 3_000).catch((error) =>
          log.debug("could not delete the consumer group", { error })
        );
      }
      await admin.disconnect().catch(() => {});
    },
    stats: () => ({ received, invalid }),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
