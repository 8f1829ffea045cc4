/**
 * Kafka helpers of the bench: read a whole topic back (for verification and publish times),
 * count what a topic holds, and delete the bench's private topics afterwards.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Admin, Kafka } from "kafkajs";

/** The number of messages a topic holds (sum of partition high watermarks; no compaction). */
export async function topicSize(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** One message as handed to {@link readTopic}'s callback. */
export interface ReadMessage {
  value: Buffer | null;
  /** The message's timestamp (CreateTime: set by the producer when it sent it), epoch ms. */
  timestamp: number;
  partition: number;
}

/**
 * Reads every message a topic holds now, from the beginning, with a throwaway consumer group,
 * calling `each` for each; resolves once every partition reached the watermark read at start.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  each: (message: ReadMessage) => void,
  timeoutMs = 120_000,
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `bench-reader-${crypto.randomUUID()}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const remaining = new Map<number, bigint>();
    for (const p of offsets) {
      if (BigInt(p.high) > BigInt(p.low)) remaining.set(p.partition, BigInt(p.high));
    }
    if (remaining.size === 0) return 0;
    let count = 0;
    const consumer = kafka.consumer({
      groupId,
      maxBytesPerPartition: 4 * 1_048_576,
      maxBytes: 32 * 1_048_576,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => finish = resolve);
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: offsets.length,
        eachBatch: ({ batch }) => {
          const high = remaining.get(batch.partition);
          if (high === undefined) return Promise.resolve();
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= high) break;
            count++;
            each({
              value: message.value,
              timestamp: Number(message.timestamp),
              partition: batch.partition,
            });
          }
          if (BigInt(batch.lastOffset()) + 1n >= high) {
            remaining.delete(batch.partition);
            if (remaining.size === 0) finish();
          }
          return Promise.resolve();
        },
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        finished,
        new Promise((_, reject) =>
          timer = setTimeout(
            () => reject(new Error(`reading ${topic} back did not finish in ${timeoutMs} ms`)),
            timeoutMs,
          )
        ),
      ]).finally(() => clearTimeout(timer));
      return count;
    } finally {
      await consumer.disconnect().catch(() => {});
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

/** Deletes topics (the bench's own), ignoring ones already gone. */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => {});
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
