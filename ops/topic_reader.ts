/**
 * Reads a whole topic from its start to the end it had when reading began, without disturbing
 * anyone: a throw-away consumer group that never commits an offset and is deleted afterwards.
 * Messages written while reading are left for the next run.
 *
 * @module
 */
import type { Kafka } from "kafkajs";
import type { TopicRecord } from "./dead_letters.ts";

/** The records of `topic` up to its current end, in no particular order; undefined when the
 * topic does not exist. */
export async function readTopicToEnd(
  kafka: Kafka,
  topic: string,
  timeoutMs: number,
): Promise<TopicRecord[] | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return undefined;
    // The last offset to read in each partition that holds anything.
    const pending = new Map<number, bigint>();
    for (
      const { partition, high, low } of await admin.fetchTopicOffsets(topic)
    ) {
      if (BigInt(high) > BigInt(low)) pending.set(partition, BigInt(high) - 1n);
    }
    if (pending.size === 0) return [];
    const groupId = `ops-dlq-reader-${crypto.randomUUID()}`;
    try {
      return await consumeUntil(kafka, groupId, topic, pending, timeoutMs);
    } finally {
      // The group never committed anything; deleting it just keeps `kafka-consumer-groups` tidy.
      await admin.deleteGroups([groupId]).catch(() => {});
    }
  } finally {
    await admin.disconnect();
  }
}

async function consumeUntil(
  kafka: Kafka,
  groupId: string,
  topic: string,
  pending: Map<number, bigint>,
  timeoutMs: number,
): Promise<TopicRecord[]> {
  // Keyed by position so that a batch fetched twice (after a rebalance) is counted once.
  const records = new Map<string, TopicRecord>();
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
    retry: { retries: 3 },
  });
  let finish = () => {};
  const done = new Promise<void>((resolve) => finish = resolve);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const last = pending.get(batch.partition);
        if (last === undefined) return;
        for (const message of batch.messages) {
          if (BigInt(message.offset) > last) break;
          records.set(`${batch.partition}:${message.offset}`, {
            partition: batch.partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
          });
        }
        if (BigInt(batch.lastOffset()) >= last) pending.delete(batch.partition);
        if (pending.size === 0) finish();
        await Promise.resolve();
      },
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `reading topic ${topic} did not reach its end within ${timeoutMs} ms ` +
                `(partitions not finished: ${[...pending.keys()].join(", ")})`,
            ),
          ),
        timeoutMs,
      );
    });
    await Promise.race([done, timeout]);
    return [...records.values()];
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
}
