/**
 * The chaos suite: each fault the product claims to survive, caused with real processes while
 * comments flow from the real producer through the real consumer, and the end state checked —
 * every comment the producer generated stored exactly once and published, nothing dead-lettered
 * that was valid, and the pipeline moving again by itself. Each test prints one `chaos:` line
 * with its figures (the README's reliability section quotes them).
 *
 * Faults covered elsewhere with the same end-state checks: kill -9 of the consumer, Redis
 * FLUSHALL and PostgreSQL refusing connections (consumer/recovery_integration_test.ts),
 * malformed and oversized messages (consumer/input_integration_test.ts,
 * consumer/oversized_integration_test.ts), the producer against a killed broker
 * (producer/broker_outage_test.ts), `up` after kill -9 (infra), slow and dead SSE readers (api).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import {
  createTestDatabase,
  createTestTopics,
  createTopicsWithLeaders,
  freePort,
  integrationTest,
  type ServiceProcess,
  startPrivateKafka,
  startService,
  type TestDatabase,
  testRedisUrl,
} from "@sentiment/testkit";
import { createCommentGenerator } from "../producer/generator.ts";
import {
  consumerEnv,
  readTopic,
  type SentimentProcess,
  startSentiment,
  waitFor,
} from "../consumer/test_support.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The distinct ids the producer generates for `seed` in `count` messages. */
function generatedIds(seed: number, count: number, duplicateRatio = 0.05): Set<string> {
  const generator = createCommentGenerator({ seed, duplicateRatio });
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) ids.add(generator.next().comment.commentId);
  return ids;
}

async function storedCount(db: TestDatabase): Promise<number> {
  const [{ count }] = await db.sql<
    { count: number }[]
  >`SELECT count(*)::int AS count FROM comments`;
  return count;
}

/** Stored-count samples every 250 ms, to measure how long nothing was stored. */
function watchProgress(db: TestDatabase) {
  const samples: { at: number; count: number }[] = [];
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      samples.push({ at: Date.now(), count: await storedCount(db).catch(() => -1) });
      await sleep(250);
    }
  })();
  return {
    /** First time after `since` that the count rose above what it was at `since`. */
    firstProgressAfter(since: number): number | undefined {
      const before = samples.filter((s) => s.at <= since).at(-1)?.count ?? 0;
      return samples.find((s) => s.at > since && s.count > before)?.at;
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}

/** The end state every chaos test asserts; returns the figures for the `chaos:` line. */
async function assertEndState(options: {
  db: TestDatabase;
  expected: Set<string>;
  processedTopic: string;
  deadLetterTopic: string;
  brokers?: string[];
  services: ServiceProcess[];
}) {
  const { db, expected, services } = options;
  await waitFor(
    "every generated comment stored",
    async () => (await storedCount(db)) >= expected.size ? true : undefined,
    services,
    240_000,
  );
  const rows = await db.sql<{ comment_id: string }[]>`SELECT comment_id FROM comments`;
  const stored = new Set(rows.map((row) => row.comment_id));
  assertEquals(rows.length, stored.size, "no id stored twice");
  const lost = [...expected].filter((id) => !stored.has(id));
  assertEquals(lost, [], "no generated comment lost");
  assertEquals(stored.size, expected.size, "nothing stored that was not generated");
  const published = await readTopic(
    options.processedTopic,
    (messages) => new Set(messages.map((m) => m.key)).size >= expected.size,
    120_000,
    options.brokers,
  );
  const publishedIds = new Set(published.map((message) => message.key));
  assertEquals([...expected].filter((id) => !publishedIds.has(id)), [], "every id published");
  const letters = await readTopic(options.deadLetterTopic, () => false, 3_000, options.brokers);
  assertEquals(
    letters.map((message) => JSON.parse(message.value!.toString()).reason),
    [],
    "no valid comment dead-lettered",
  );
  return {
    generated: expected.size,
    stored: stored.size,
    deadLettered: letters.length,
    publishedMessages: published.length,
    republished: published.length - publishedIds.size,
  };
}

function report(fault: string, figures: Record<string, unknown>): void {
  console.log(`chaos: ${JSON.stringify({ fault, ...figures })}`);
}

async function startConsumer(options: {
  topics: Record<string, string>;
  db: TestDatabase;
  redisUrl: string;
  sentimentAddress: string;
  extra?: Record<string, string>;
}) {
  const port = await freePort();
  const process = startService(
    "consumer",
    consumerEnv({
      topics: options.topics,
      databaseUrl: options.db.url,
      redisUrl: options.redisUrl,
      sentimentAddress: options.sentimentAddress,
      healthPort: port,
      extra: { INFRA_RETRY_MAX_MS: "1000", ...options.extra },
    }),
  );
  return { port, process };
}

async function readiness(port: number): Promise<{ status: string; reasons: string[] }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return await response.json();
}

integrationTest(
  "chaos: sentiment killed for 60 s during a stream of 20 000 comments — intake pauses, no retries are spent, nothing is dead-lettered, all stored once",
  async () => {
    const topics = await createTestTopics(3);
    await using db = await createTestDatabase();
    const redisUrl = await testRedisUrl();
    const sentimentPort = String(await freePort());
    const sentimentEnv = { SENTIMENT_PORT: sentimentPort, SENTIMENT_FAILURE_SEED: "41" };
    let sentiment: SentimentProcess = await startSentiment(sentimentEnv);
    const consumer = await startConsumer({
      topics: topics.env,
      db,
      redisUrl,
      sentimentAddress: sentiment.address,
      extra: { RETRY_DELAYS_MS: "200,400,800,1600,3200" },
    });
    const count = 20_000;
    const producer = startService("producer", { KAFKA_TOPIC_RAW: topics.raw }, {
      args: ["--rate", "500", "--count", String(count), "--seed", "41"],
    });
    const progress = watchProgress(db);
    try {
      await waitFor(
        "comments flowing",
        async () => (await storedCount(db)) > 1000 ? true : undefined,
        [consumer.process],
      );
      await sentiment.kill();
      const killedAt = Date.now();
      const paused = await waitFor(
        "the consumer paused for sentiment",
        async () => {
          const state = await readiness(consumer.port);
          return state.status === "paused" ? state : undefined;
        },
        [consumer.process],
        30_000,
      );
      ok(paused.reasons.some((reason) => reason.startsWith("sentiment")), paused.reasons[0]);
      await sleep(Math.max(0, 60_000 - (Date.now() - killedAt)));
      sentiment = await startSentiment(sentimentEnv);
      const backAt = Date.now();
      assertEquals((await producer.status).code, 0, producer.lines.slice(-10).join("\n"));
      const figures = await assertEndState({
        db,
        expected: generatedIds(41, count),
        processedTopic: topics.processed,
        deadLetterTopic: topics.deadLetter,
        services: [consumer.process],
      });
      const resumedAt = progress.firstProgressAfter(backAt);
      ok(resumedAt !== undefined, "stored comments again after sentiment came back");
      // Items in flight at the kill waited; they spent no retries on the outage.
      const [{ max }] = await db.sql<{ max: number }[]>`
        SELECT max(retry_count)::int AS max FROM comments`;
      // Injected failures are 1 in 32 per attempt: 5 in a row (all retries) is ~1 in 33 million.
      ok(max <= 4, `largest retry_count ${max}: injected per-item failures only`);
      assertEquals((await readiness(consumer.port)).status, "ready");
      report("sentiment down 60 s", {
        ...figures,
        downMs: backAt - killedAt,
        stallAfterBackMs: resumedAt! - backAt,
        maxRetryCount: max,
      });
    } finally {
      await progress.stop();
      await producer.stop();
      await consumer.process.stop();
      await sentiment.stop();
    }
  },
);

integrationTest(
  "chaos: the broker killed (-9) for 20 s during a burst — producer, consumer and storage recover by themselves, every comment stored once",
  async () => {
    await using kafka = await startPrivateKafka(3);
    const suffix = crypto.randomUUID().slice(0, 8);
    const names = {
      raw: `chaos-raw-${suffix}`,
      processed: `chaos-processed-${suffix}`,
      deadLetter: `chaos-dlq-${suffix}`,
    };
    const admin = new Kafka({
      clientId: "chaos",
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
    })
      .admin();
    await admin.connect();
    try {
      await createTopicsWithLeaders(
        admin,
        Object.values(names).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
      );
    } finally {
      await admin.disconnect();
    }
    const topicEnv = {
      KAFKA_TOPIC_RAW: names.raw,
      KAFKA_TOPIC_PROCESSED: names.processed,
      KAFKA_TOPIC_DLQ: names.deadLetter,
    };
    const brokers = kafka.brokers.join(",");
    await using db = await createTestDatabase();
    const redisUrl = await testRedisUrl();
    const sentiment = await startSentiment({ SENTIMENT_FAILURE_SEED: "42" });
    const consumer = await startConsumer({
      topics: topicEnv,
      db,
      redisUrl,
      sentimentAddress: sentiment.address,
      extra: { KAFKA_BROKERS: brokers, RETRY_DELAYS_MS: "200,400,800,1600,3200" },
    });
    const count = 30_000;
    const producer = startService("producer", {
      ...topicEnv,
      KAFKA_BROKERS: brokers,
      PRODUCER_RETRY_MAX_MS: "1000",
      PRODUCER_HEALTH_PORT: String(await freePort()),
    }, { args: ["--rate", "1500", "--count", String(count), "--seed", "42"] });
    const progress = watchProgress(db);
    try {
      await waitFor(
        "comments flowing",
        async () => (await storedCount(db)) > 2000 ? true : undefined,
        [consumer.process, producer],
      );
      await kafka.kill();
      const killedAt = Date.now();
      await sleep(20_000);
      await kafka.start();
      const backAt = Date.now();
      assertEquals((await producer.status).code, 0, producer.lines.slice(-10).join("\n"));
      const figures = await assertEndState({
        db,
        expected: generatedIds(42, count),
        processedTopic: names.processed,
        deadLetterTopic: names.deadLetter,
        brokers: kafka.brokers,
        services: [consumer.process],
      });
      const resumedAt = progress.firstProgressAfter(backAt);
      ok(resumedAt !== undefined);
      ok(!consumer.process.exited, "the consumer was never restarted");
      report("broker kill -9, 20 s", {
        ...figures,
        downMs: backAt - killedAt,
        stallAfterBackMs: resumedAt! - backAt,
      });
    } finally {
      await progress.stop();
      await producer.stop();
      await consumer.process.stop();
      await sentiment.stop();
    }
  },
);

integrationTest(
  "chaos: the producer killed (-9) mid-burst and started again with its seed — every comment stored once, the re-sent ones dropped as duplicates",
  async () => {
    const topics = await createTestTopics(3);
    await using db = await createTestDatabase();
    const redisUrl = await testRedisUrl();
    const sentiment = await startSentiment({ SENTIMENT_FAILURE_SEED: "43" });
    const consumer = await startConsumer({
      topics: topics.env,
      db,
      redisUrl,
      sentimentAddress: sentiment.address,
    });
    const count = 20_000;
    const args = ["--rate", "4000", "--count", String(count), "--seed", "43"];
    const first = startService("producer", { KAFKA_TOPIC_RAW: topics.raw }, { args });
    try {
      await waitFor(
        "comments flowing",
        async () => (await storedCount(db)) > 3000 ? true : undefined,
        [consumer.process, first],
      );
      first.kill("SIGKILL");
      await first.status;
      const storedAtKill = await storedCount(db);
      // Same seed, same comments: what the killed one had queued is produced again.
      const second = startService("producer", { KAFKA_TOPIC_RAW: topics.raw }, {
        args: ["--burst", "--count", String(count), "--seed", "43"],
      });
      assertEquals((await second.status).code, 0, second.lines.slice(-10).join("\n"));
      const figures = await assertEndState({
        db,
        expected: generatedIds(43, count),
        processedTopic: topics.processed,
        deadLetterTopic: topics.deadLetter,
        services: [consumer.process],
      });
      ok(storedAtKill < count, "the kill came mid-burst");
      report("producer kill -9 mid-burst, restarted with its seed", {
        ...figures,
        storedAtKill,
      });
    } finally {
      first.kill("SIGKILL");
      await consumer.process.stop();
      await sentiment.stop();
    }
  },
);
