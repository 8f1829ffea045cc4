/**
 * The consumer's /metrics parses as Prometheus text and its counters move as a known workload
 * runs: stored comments, duplicates, cache hits, dead letters by reason, gRPC calls and batch
 * sizes, against the real Kafka, PostgreSQL, Redis and sentiment processes.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { eventually, integrationTest, sampleSum, scrapeMetrics } from "@sentiment/testkit";
import { createRandom } from "@sentiment/kit/random";
import { asMessages, publish, rawComment, startPipelineHarness } from "./test_support.ts";

integrationTest("/metrics counts a known workload", async () => {
  await using harness = await startPipelineHarness({
    partitions: 2,
    sentimentEnv: { SENTIMENT_FAILURE_RATIO: "0" },
  });
  const { topics, db } = harness;
  const { port: healthPort } = await harness.startConsumer();
  const url = `http://127.0.0.1:${healthPort}/metrics`;
  try {
    await eventually(() => scrapeMetrics(url), 60_000, "the metrics endpoint");
    const before = await scrapeMetrics(url);
    assertEquals(sampleSum(before, "consumer_comments_stored_total"), 0);

    const random = createRandom(11);
    const unique = Array.from({ length: 40 }, () => rawComment(random));
    // One text under ten ids, sent after its first copy is stored: nine answers from the cache
    // (copies inside one pass all miss, as the cache is read before the pass's sentiment call).
    const sameText = Array.from(
      { length: 10 },
      () => rawComment(random, "the same text every time"),
    );
    const comments = [...unique, ...sameText];
    await publish(topics.raw, asMessages([...unique, sameText[0]]));
    await eventually(
      async () =>
        sampleSum(await scrapeMetrics(url), "consumer_comments_stored_total") === 41
          ? true
          : undefined,
      60_000,
      "the first 41 stored",
    );
    await publish(topics.raw, [
      ...asMessages(sameText.slice(1)),
      ...asMessages(unique.slice(0, 5)), // re-sent: duplicates
      { key: "bad", value: "{not json" },
    ]);

    const after = await eventually(
      async () => {
        const families = await scrapeMetrics(url);
        const settled = sampleSum(families, "consumer_comments_stored_total") === comments.length &&
          sampleSum(families, "consumer_dead_lettered_total") === 1 &&
          sampleSum(families, "consumer_duplicates_total") === 5;
        return settled ? families : undefined;
      },
      60_000,
      "the workload counted",
    );

    assertEquals(sampleSum(after, "consumer_messages_received_total"), comments.length + 6);
    assertEquals(sampleSum(after, "consumer_dead_lettered_total", { reason: "invalid_json" }), 1);
    assertEquals(
      sampleSum(after, "consumer_cache_hits_total"),
      9,
      "the repeated text hits the cache",
    );
    ok(sampleSum(after, "consumer_sentiment_calls_total") >= 1);
    assertEquals(
      sampleSum(after, "consumer_sentiment_batch_items_sum"),
      sampleSum(after, "consumer_cache_misses_total"),
      "every cache miss went to sentiment in some batch",
    );
    ok(sampleSum(after, "consumer_db_insert_seconds_count") >= 1, "INSERT latency observed");
    ok(sampleSum(after, "consumer_grpc_call_seconds_count", { outcome: "ok" }) >= 1);
    const rows = await db.sql<{ n: string }[]>`SELECT count(*) AS n FROM comments`;
    assertEquals(Number(rows[0].n), sampleSum(after, "consumer_comments_stored_total"));
  } finally {
    await harness.stop();
  }
});
