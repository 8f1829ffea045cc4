/**
 * The record of replayed dead letters: a compacted Kafka topic with one message per replayed
 * dead letter, keyed by its position (`partition:offset`) in the dead-letter topic. A second
 * `replay` reads it and skips what was already replayed.
 *
 * The record is bookkeeping, not the safety net: the messages go to `raw-comments` before their
 * record is written, so a crash in between replays them again on the next run, and the
 * consumer's dedup (Redis, then PostgreSQL's unique comment_id) stores each comment once anyway.
 *
 * @module
 */
import type { Admin, Kafka } from "kafkajs";
import { z } from "zod";
import type { TopicRecord } from "./dead_letters.ts";
import { readTopicToEnd } from "./topic_reader.ts";

export const ReplayRecordSchema = z.object({
  deadLetterTopic: z.string(),
  position: z.string(),
  commentId: z.string().nullable(),
  reason: z.string(),
  rawTopic: z.string(),
  replayedAt: z.string(),
});
export type ReplayRecord = z.infer<typeof ReplayRecordSchema>;

/** Latest record per position; a tombstone (null value) forgets a replay. */
export function latestReplays(
  records: TopicRecord[],
): Map<string, ReplayRecord> {
  const byKey = new Map<
    string,
    { offset: bigint; record: ReplayRecord | null }
  >();
  for (const record of records) {
    if (record.key === null) continue;
    const key = new TextDecoder().decode(record.key);
    const offset = BigInt(record.offset);
    const seen = byKey.get(key);
    if (seen && seen.offset > offset) continue;
    let value: ReplayRecord | null = null;
    if (record.value !== null) {
      try {
        const parsed = ReplayRecordSchema.safeParse(
          JSON.parse(new TextDecoder().decode(record.value)),
        );
        if (!parsed.success) continue;
        value = parsed.data;
      } catch {
        continue;
      }
    }
    byKey.set(key, { offset, record: value });
  }
  const result = new Map<string, ReplayRecord>();
  for (const [key, { record }] of byKey) if (record) result.set(key, record);
  return result;
}

/** The replays recorded so far (none when the topic does not exist yet). */
export async function readReplays(
  kafka: Kafka,
  topic: string,
  timeoutMs: number,
): Promise<Map<string, ReplayRecord>> {
  return latestReplays((await readTopicToEnd(kafka, topic, timeoutMs)) ?? []);
}

/** Creates the compacted topic unless it exists. */
export async function ensureReplaysTopic(
  admin: Admin,
  topic: string,
): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  try {
    await admin.createTopics({
      topics: [{
        topic,
        numPartitions: 1,
        configEntries: [{ name: "cleanup.policy", value: "compact" }],
      }],
      waitForLeaders: true,
    });
  } catch (error) {
    // Someone else created it in the meantime: fine.
    if (!(await admin.listTopics()).includes(topic)) throw error;
  }
}
