/**
 * The consumer started in-process with `start` (as `main.ts` does through the service runner)
 * against the real Kafka, PostgreSQL, Redis and sentiment process: it consumes, answers its
 * health endpoint, and a stop finishes the work, commits it and closes cleanly.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { envFrom } from "@sentiment/kit/config";
import { createLogger } from "@sentiment/kit/log";
import { eventually, integrationTest, testKafka } from "@sentiment/testkit";
import { readConfig } from "./config.ts";
import { start } from "./service.ts";
import {
  asMessages,
  commentsWithDuplicates,
  consumerEnv,
  publish,
  startPipelineHarness,
} from "./test_support.ts";

integrationTest(
  "the consumer started in-process consumes, and stops cleanly with its work committed",
  async () => {
    await using harness = await startPipelineHarness({
      partitions: 3,
      sentimentEnv: { SENTIMENT_FAILURE_RATIO: "0" },
    });
    const { topics, db } = harness;
    const { messages, distinct } = commentsWithDuplicates(300, 0.05, 5);
    await publish(topics.raw, asMessages(messages));

    const configured = readConfig(envFrom(consumerEnv({
      topics: topics.env,
      databaseUrl: db.url,
      redisUrl: harness.redisUrl,
      sentimentAddress: harness.sentiment.address,
      healthPort: 1,
      extra: { CONSUMER_GROUP: harness.group, CONSUMER_ID: "in-process" },
    })));
    // Port 0 (the system picks one) is what a test wants but no operator should configure.
    const config = { ...configured, healthPort: 0 };
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("consumer", "info", (line) => lines.push(JSON.parse(line)));
    const consumer = await start(config, log);
    let stopped = false;
    try {
      await consumer.consuming;
      ok(consumer.healthPort > 0, "the health endpoint listens on the port picked for 0");
      await eventually(
        async () => {
          const [{ count }] = await db.sql`SELECT count(*)::int AS count FROM comments`;
          return count === distinct.size ? true : undefined;
        },
        60_000,
        "every distinct comment stored",
      );
      const readyz = await fetch(`http://127.0.0.1:${consumer.healthPort}/readyz`);
      assertEquals(readyz.status, 200, await readyz.text());

      await consumer.stop();
      stopped = true;
      await consumer.finished;
    } finally {
      if (!stopped) await consumer.stop();
    }

    const admin = testKafka("service-test-admin").admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({
        groupId: harness.group,
        topics: [topics.raw],
      });
      const total = committed.partitions.reduce((sum, { offset }) => sum + Number(offset), 0);
      assertEquals(total, messages.length, "every message read is committed");
    } finally {
      await admin.disconnect();
    }
    const [{ stored }] = await db.sql`
    SELECT count(*)::int AS stored FROM comments WHERE consumer_id = 'in-process'`;
    assertEquals(stored, distinct.size);
    const final = lines.find((line) => line.message === "Final counters");
    ok(final, "the stop logs the final counters");
    ok(
      !lines.some((line) => line.level === "error"),
      JSON.stringify(lines.filter((l) => l.level === "error")),
    );
  },
);
