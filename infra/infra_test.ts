import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { Redis } from "ioredis";
import { migrate, MIGRATIONS } from "@sentiment/contracts/db";
import { createTopicsWithLeaders, ensureTopics } from "./kafka.ts";
import { dataPaths } from "./paths.ts";
import { startRedisServer, stopRedis } from "./redis.ts";
import { readInfraSettings } from "./settings.ts";
import {
  createTestDatabase,
  freePort,
  infraConfig,
  integrationTest,
  testKafka,
} from "@sentiment/testkit";

integrationTest("the project's topics exist with the configured partition count", async () => {
  const settings = readInfraSettings();
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({
      topics: [settings.topics.raw, settings.topics.processed, settings.topics.deadLetter],
    });
    assertEquals(
      topics.map((topic) => topic.partitions.length),
      [6, 6, 6].map(() => settings.kafkaPartitions),
    );
  } finally {
    await admin.disconnect();
  }
});

integrationTest(
  "a message produced with kafkajs is consumed back from each kind of topic",
  async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const topics = ["raw-comments", "processed-comments", "dead-letter-queue"].map((name) =>
      `test-${name}-${suffix}`
    );
    // The same creation code `deno task up` uses, twice: the second call must create nothing.
    assertEquals(
      (await ensureTopics(infraConfig().kafkaBrokers, topics, 3)).sort(),
      [...topics].sort(),
    );
    assertEquals(await ensureTopics(infraConfig().kafkaBrokers, topics, 3), []);

    const kafka = testKafka();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.sendBatch({
      acks: -1,
      topicMessages: topics.map((topic) => ({
        topic,
        messages: [{ key: "k", value: `hello ${topic}` }],
      })),
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `test-infra-${suffix}` });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const received = new Map<string, string>();
    await new Promise<void>((resolve) => {
      consumer.run({
        eachMessage: ({ topic, message }) => {
          received.set(topic, message.value?.toString() ?? "");
          if (received.size === topics.length) resolve();
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    for (const topic of topics) assertEquals(received.get(topic), `hello ${topic}`);
  },
);

integrationTest(
  "created topics have a leader for every partition as soon as creation returns",
  async () => {
    const admin = testKafka().admin();
    await admin.connect();
    const names: string[] = [];
    try {
      // Several rounds, as the tests do one after the other right after the broker started.
      for (let round = 0; round < 5; round++) {
        const batch = [0, 1, 2].map((i) => `test-leaders-${crypto.randomUUID().slice(0, 8)}-${i}`);
        names.push(...batch);
        await createTopicsWithLeaders(
          admin,
          batch.map((topic) => ({ topic, numPartitions: 6, replicationFactor: 1 })),
        );
        const { topics } = await admin.fetchTopicMetadata({ topics: batch });
        for (const topic of topics) {
          assertEquals(topic.partitions.length, 6, topic.name);
          ok(topic.partitions.every((partition) => partition.leader >= 0), topic.name);
        }
      }
    } finally {
      await admin.deleteTopics({ topics: names }).catch(() => {});
      await admin.disconnect();
    }
  },
);

integrationTest("the migration applies twice (also concurrently) without error", async () => {
  await using db = await createTestDatabase();
  assertEquals(await migrate(db.sql), []);
  assertEquals(await Promise.all([migrate(db.sql), migrate(db.sql)]), [[], []]);
  const tables = await db.sql<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
  assertEquals(tables.map((row) => row.table_name), [
    "comment_count_deltas",
    "comment_counts",
    "comments",
    "pipeline_counter_deltas",
    "pipeline_counters",
    "schema_migrations",
  ]);
  const applied = await db.sql<
    { version: number }[]
  >`SELECT version FROM schema_migrations ORDER BY 1`;
  assertEquals(applied.map((row) => row.version), MIGRATIONS.map((migration) => migration.version));
});

integrationTest("a key written to Redis survives a Redis restart (append-only file)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "redis-restart-" });
  const paths = dataPaths(join(dir, "data"), join(dir, "cache"));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  try {
    await startRedisServer(paths, "127.0.0.1", port, 30_000, "redis-test");
    const writer = new Redis(url);
    await writer.set("processed:survivor", "1", "EX", 3600);
    writer.disconnect();
    ok(await stopRedis(paths, "redis-test"), "the test Redis was running");

    await startRedisServer(paths, "127.0.0.1", port, 30_000, "redis-test");
    const reader = new Redis(url);
    assertEquals(await reader.get("processed:survivor"), "1");
    ok((await reader.ttl("processed:survivor")) > 3500, "the TTL survives too");
    reader.disconnect();
  } finally {
    await stopRedis(paths, "redis-test");
    await Deno.remove(dir, { recursive: true });
  }
});
