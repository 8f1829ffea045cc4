/**
 * Replay through the real pipeline: the real consumer dead-letters comments while sentiment
 * fails every item (a sentiment service that is down altogether is an outage, which dead-letters
 * nothing); once sentiment answers, `deno task dlq replay` stores each comment exactly once, and
 * replaying again (skipped, or forced) stores nothing more.
 *
 * The test runs the real consumer and sentiment processes with their own permission sets.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  infraConfig,
  integrationTest,
  PROJECT_ROOT,
  startService,
  testKafka,
  testRedisUrl,
} from "@sentiment/testkit";

const servicesPresent = await Promise.all(
  ["consumer", "sentiment"].map((member) =>
    Deno.stat(join(PROJECT_ROOT, member, "main.ts")).then(() => true, () => false)
  ),
).then((found) => found.every(Boolean));

async function dlq(args: string[], env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=ops", join(PROJECT_ROOT, "ops/dlq.ts"), ...args],
    cwd: PROJECT_ROOT,
    env: { KAFKA_BROKERS: infraConfig().kafkaBrokers.join(","), NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assertEquals(output.code, 0, `${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  return stdout;
}

integrationTest(
  "replay after sentiment recovers stores each comment once; replaying twice stores nothing more",
  async () => {
    const topics = await createTestTopics(3);
    await using db = await createTestDatabase();
    const sentimentPort = await freePort();
    const env = {
      ...topics.env,
      DATABASE_URL: db.url,
      REDIS_URL: await testRedisUrl(),
      CONSUMER_GROUP: `ops-test-${crypto.randomUUID()}`,
      CONSUMER_HEALTH_PORT: String(await freePort()),
      SENTIMENT_ADDRESS: `127.0.0.1:${sentimentPort}`,
      SENTIMENT_TIMEOUT_MS: "1000",
      RETRY_DELAYS_MS: "100,200",
    };
    const failing = startService("sentiment", {
      SENTIMENT_PORT: String(sentimentPort),
      SENTIMENT_METRICS_PORT: String(await freePort()),
      SENTIMENT_FAILURE_RATIO: "1",
    });
    await failing.waitForLog((_, record) => /listening/i.test(String(record?.message)), 30_000);
    await using consumer = startService("consumer", env);
    await consumer.waitForLog((_, record) => record?.message === "Consuming", 60_000);

    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const producer = testKafka("ops-test").producer();
    await producer.connect();
    await producer.send({
      topic: topics.raw,
      acks: -1,
      messages: ids.map((commentId, i) => ({
        key: commentId,
        value: JSON.stringify({
          schemaVersion: 1,
          commentId,
          text: `comment number ${i} is great`,
          source: "reddit",
          createdAt: new Date().toISOString(),
        }),
      })),
    });
    await producer.disconnect();

    const counters = async () =>
      Object.fromEntries(
        (await db.sql<
          { name: string; value: string }[]
        >`SELECT name, value FROM pipeline_counters_now`)
          .map((row) => [row.name, Number(row.value)]),
      );
    const stored = async () =>
      Number((await db.sql<{ n: string }[]>`SELECT count(*) AS n FROM comments`)[0].n);

    // Sentiment fails every item: every comment exhausts its retries and is dead-lettered.
    await eventually(
      async () => (await counters()).dead_lettered >= 3 ? true : undefined,
      60_000,
      "3 dead letters",
    );
    const letters = (await dlq(["list", "--json"], topics.env)).trim().split("\n")
      .map((line) => JSON.parse(line));
    assertEquals(letters.map((l) => l.commentId).sort(), [...ids].sort());
    ok(letters.every((l) => l.reason === "sentiment_retries_exhausted"));
    assertEquals(await stored(), 0);
    await failing.stop();

    await using sentiment = startService("sentiment", {
      SENTIMENT_PORT: String(sentimentPort),
      SENTIMENT_METRICS_PORT: String(await freePort()),
      SENTIMENT_FAILURE_RATIO: "0",
    });
    await sentiment.waitForLog((_, record) => /listening/i.test(String(record?.message)), 30_000);

    const first = await dlq(["replay", "--reason", "sentiment_retries_exhausted"], topics.env);
    ok(first.includes("replayed 3, skipped 0"), first);
    await eventually(async () => (await stored()) === 3 ? true : undefined, 60_000, "3 rows");
    const rows = await db.sql<{ comment_id: string }[]>`SELECT comment_id FROM comments`;
    assertEquals(rows.map((row) => row.comment_id).sort(), [...ids].sort());

    // Again: the record of replays skips all three.
    const second = await dlq(["replay", "--all"], topics.env);
    ok(second.includes("replayed 0, skipped 3"), second);

    // Forced: the messages do go out again, and the consumer's dedup discards them.
    const before = (await counters()).duplicates_discarded;
    const forced = await dlq(["replay", "--all", "--force"], topics.env);
    ok(forced.includes("replayed 3, skipped 0"), forced);
    await eventually(
      async () => (await counters()).duplicates_discarded >= before + 3 ? true : undefined,
      60_000,
      "3 duplicates discarded",
    );
    assertEquals(await stored(), 3);
    assertEquals((await counters()).dead_lettered, 3, "nothing dead-lettered again");
  },
  { ignore: !servicesPresent },
);
