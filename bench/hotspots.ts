/**
 * Measures the effect of the changes BENCHMARKS.md proposes for the consumer's hottest spots,
 * in this process against the real Kafka and Redis, as CPU microseconds per comment of this
 * process (process.cpuUsage), each variant the same work:
 *
 * - produce 2 000 processed comments: kafkajs's default partitioner (murmur2 of each key)
 *   vs an explicit partition per message;
 * - mark 2 000 ids in Redis: SET EX + DEL per id with ioredis `commandTimeout` (as the consumer
 *   does) vs without it vs DEL only for the ~3 % that failed;
 * - validate a raw comment: checkRawComment (TextDecoder + JSON.parse + zod) vs JSON.parse alone.
 *
 *   deno run -P=bench bench/hotspots.ts
 *
 * @module
 */
import process from "node:process";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { Redis } from "ioredis";
import { createTopicsWithLeaders, infraConfig, testRedisUrl } from "@sentiment/testkit";
import { checkRawComment } from "@sentiment/contracts/messages";
import { deleteTopics } from "./kafka.ts";

const BATCH = 2_000;
const ROUNDS = 30;

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function measure(name: string, round: (i: number) => Promise<void> | void): Promise<void> {
  for (let i = 0; i < 3; i++) await round(-1 - i); // warm-up
  const start = cpuMicros();
  const wall = performance.now();
  for (let i = 0; i < ROUNDS; i++) await round(i);
  const perComment = (cpuMicros() - start) / (ROUNDS * BATCH);
  const wallMs = (performance.now() - wall) / ROUNDS;
  console.log(
    `${name.padEnd(58)} ${perComment.toFixed(1).padStart(6)} µs CPU/comment ` +
      `${wallMs.toFixed(1).padStart(7)} ms wall/batch`,
  );
}

function comment(i: number) {
  return {
    schemaVersion: 1,
    commentId: crypto.randomUUID(),
    text: `This product is great, I would buy it again! number ${i}`,
    source: "twitter",
    createdAt: new Date().toISOString(),
    textHash: "a".repeat(64),
    tag: "POSITIVE",
    processedAt: new Date().toISOString(),
    consumerId: "bench",
    retryCount: 0,
    seq: i + 1,
  };
}

const comments = Array.from({ length: BATCH }, (_, i) => comment(i));

// --- Kafka: partitioner ---
const kafka = new Kafka({
  clientId: "bench-hotspots",
  brokers: infraConfig().kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const topic = `bench-hotspots-${crypto.randomUUID().slice(0, 8)}`;
const admin = kafka.admin();
await admin.connect();
await createTopicsWithLeaders(admin, [{ topic, numPartitions: 6, replicationFactor: 1 }]);
const producer = kafka.producer({
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
});
await producer.connect();
try {
  await measure("kafka: 2 000 messages, default partitioner (murmur2)", async () => {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [{
        topic,
        messages: comments.map((c) => ({ key: c.commentId, value: JSON.stringify(c) })),
      }],
    });
  });
  await measure("kafka: 2 000 messages, explicit partition", async () => {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [{
        topic,
        messages: comments.map((c, i) => ({
          key: c.commentId,
          value: JSON.stringify(c),
          partition: i % 6,
        })),
      }],
    });
  });
} finally {
  await producer.disconnect();
  await admin.disconnect();
  await deleteTopics(kafka, [topic]);
}

// --- Redis: settle ---
const redisUrl = await testRedisUrl();
const prefix = `bench-hotspots:${crypto.randomUUID().slice(0, 8)}`;
const settle = async (redis: Redis, round: number, failedShare: number) => {
  const pipeline = redis.pipeline();
  const ids = comments.map((c) => `${prefix}:${round}:${c.commentId}`);
  for (const id of ids) pipeline.set(`processed:${id}`, "1", "EX", 60);
  const forget = ids.filter((_, i) => i < ids.length * failedShare).map((id) => `attempts:${id}`);
  for (let s = 0; s < forget.length; s += 1000) pipeline.del(...forget.slice(s, s + 1000));
  await pipeline.exec();
};
for (
  const [name, options, failedShare] of [
    ["redis: SET EX + DEL per id, commandTimeout 5 s (as now)", { commandTimeout: 5_000 }, 1],
    ["redis: SET EX + DEL per id, no commandTimeout", {}, 1],
    ["redis: SET EX per id, DEL only for the 3 % that failed", {}, 0.03],
  ] as const
) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, ...options });
  try {
    await measure(name, (round) => settle(redis, round, failedShare));
  } finally {
    redis.disconnect();
  }
}

// --- validation ---
const raw = comments.map((c) =>
  new TextEncoder().encode(JSON.stringify({
    schemaVersion: 1,
    commentId: c.commentId,
    text: c.text,
    source: c.source,
    createdAt: c.createdAt,
  }))
);
const decoder = new TextDecoder("utf-8", { fatal: true });
await measure("validate: checkRawComment (decode + JSON.parse + zod)", () => {
  for (const value of raw) checkRawComment(value);
});
await measure("validate: decode + JSON.parse only", () => {
  for (const value of raw) JSON.parse(decoder.decode(value));
});
Deno.exit(0);
