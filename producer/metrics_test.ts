/**
 * The producer's `/healthz` and `/metrics` while it publishes to a private topic: valid
 * Prometheus text whose counters follow the work.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  createTestTopics,
  eventually,
  freePort,
  integrationTest,
  sampleSum,
  scrapeMetrics,
  startService,
} from "@sentiment/testkit";

integrationTest("producer: /metrics counts what Kafka acknowledged", async () => {
  const topics = await createTestTopics(2);
  const port = await freePort();
  await using producer = startService("producer", {
    ...topics.env,
    PRODUCER_HEALTH_PORT: String(port),
    PRODUCER_RATE: "200",
    PRODUCER_DUPLICATE_RATIO: "0.2",
    PRODUCER_SEED: "7",
  });
  await producer.waitForLog((_line, record) => record?.message === "Producer started");
  const base = `http://127.0.0.1:${port}`;

  const health = await fetch(`${base}/healthz`);
  assertEquals(health.status, 200);
  assertEquals((await health.json()).status, "ok");

  const first = await scrapeMetrics(`${base}/metrics`);
  assertEquals(first.get("producer_messages_published_total")?.type, "counter");
  assertEquals(first.get("producer_request_duration_seconds")?.type, "histogram");
  const before = sampleSum(first, "producer_messages_published_total");

  const after = await eventually(
    async () => {
      const families = await scrapeMetrics(`${base}/metrics`);
      return sampleSum(families, "producer_messages_published_total") >= before + 100
        ? families
        : undefined;
    },
    30_000,
    "100 more published comments",
  );
  const published = sampleSum(after, "producer_messages_published_total");
  ok(sampleSum(after, "producer_duplicates_published_total") > 0, "duplicates counted");
  ok(sampleSum(after, "producer_duplicates_published_total") < published);
  assertEquals(sampleSum(after, "producer_publish_failures_total"), 0);
  assertEquals(sampleSum(after, "producer_messages_published_by_tag_total"), published);
  // Every acknowledged comment went in exactly one successful request.
  ok(sampleSum(after, "producer_request_duration_seconds_count", { outcome: "ok" }) > 0);
  assertEquals(sampleSum(after, "producer_batch_size_sum") >= published, true);

  const missing = await fetch(`${base}/nothing`);
  await missing.body?.cancel();
  assertEquals(missing.status, 404);
});
