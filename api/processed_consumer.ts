/**
 * Reads `processed-comments` with a consumer group of this instance's own, so every api instance
 * sees every comment. Each message is checked against the proto schema; a bad one is logged and
 * skipped. Good ones go to the sequencer, which drops repeats.
 *
 * @module
 */
import { Kafka, type KafkaMessage, logLevel as kafkaLogLevel } from "kafkajs";
import type { Logger } from "@sentiment/proto/log";
import { type ProcessedComment, ProcessedCommentSchema } from "@sentiment/proto/messages";

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
  start(): Promise<void>;
  /** True while the group is joined and the broker answers. */
  ready(): Promise<boolean>;
  stop(): Promise<void>;
  stats(): { received: number; invalid: number };
}

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
  let received = 0;
  let invalid = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    log.info("joined processed-comments group", { groupId: options.groupId });
  });
  consumer.on(consumer.events.CRASH, (event) => {
    joined = false;
    log.error("processed-comments consumer crashed; kafkajs restarts it", {
      error: String(event.payload.error),
    });
  });
  consumer.on(consumer.events.STOP, () => joined = false);

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

  return {
    async start() {
      await admin.connect();
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: false });
      await consumer.run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) handle(message, batch.partition);
          await Promise.resolve();
        },
      });
    },
    async ready() {
      if (!joined) return false;
      try {
        await withTimeout(admin.describeCluster(), 2_000);
        return true;
      } catch {
        return false;
      }
    },
    async stop() {
      await consumer.disconnect().catch(() => {});
      if (options.deleteGroupOnStop) {
        await withTimeout(admin.deleteGroups([options.groupId]), 3_000).catch((error) =>
          log.debug("could not delete the consumer group", { error: String(error) })
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
