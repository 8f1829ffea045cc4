/**
 * The real api process with API_TOKEN set: health checks stay open, everything else needs the
 * bearer token, and `/metrics` is valid Prometheus text whose counters follow a known workload.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  integrationTest,
  sampleSum,
  scrapeMetrics,
  startService,
  testKafka,
} from "@sentiment/testkit";
import { publish, storeComments, waitUntilReady } from "./test_support.ts";
import { SseReader } from "./test_fakes.ts";

const TOKEN = "test-token-0123456789abcdef";

integrationTest(
  "api: API_TOKEN guards every route but health; /metrics counts the stream",
  async () => {
    await using db = await createTestDatabase();
    const topics = await createTestTopics(3);
    const port = await freePort();
    await using _api = startService("api", {
      ...topics.env,
      DATABASE_URL: db.url,
      API_PORT: String(port),
      API_TOKEN: TOKEN,
      API_STREAM_POLL_MS: "200",
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url);
    const auth = { authorization: `Bearer ${TOKEN}` };

    // Health checks answer without a token.
    for (const path of ["/healthz", "/readyz"]) {
      const response = await fetch(`${url}${path}`);
      await response.body?.cancel();
      assertEquals(response.status, 200, path);
    }
    // Everything else, existing route or not, is 401 with the same body and a challenge.
    const refusals: [string, HeadersInit][] = [
      ["/api/statistics", {}],
      ["/api/comments", { authorization: "Bearer wrong-token" }],
      ["/api/stream", { authorization: `Basic ${btoa(`x:${TOKEN}`)}` }],
      ["/metrics", { authorization: `Bearer ${TOKEN}x` }],
      ["/no-such-route", {}],
    ];
    for (const [path, headers] of refusals) {
      const response = await fetch(`${url}${path}`, { headers });
      assertEquals(response.status, 401, path);
      assertEquals(await response.json(), { error: "unauthorized" }, path);
      ok(response.headers.get("www-authenticate")?.startsWith("Bearer"), path);
    }

    const statistics = await fetch(`${url}/api/statistics`, { headers: auth });
    assertEquals(statistics.status, 200);
    await statistics.body?.cancel();

    const before = await scrapeMetrics(`${url}/metrics`, { headers: auth });
    assertEquals(before.get("api_sse_events_sent_total")?.type, "counter");
    assertEquals(sampleSum(before, "api_unauthorized_requests_total"), refusals.length);

    const stream = await fetch(`${url}/api/stream`, { headers: auth });
    assertEquals(stream.status, 200);
    const reader = new SseReader(stream.body!);
    await eventually(
      async () => {
        const families = await scrapeMetrics(`${url}/metrics`, { headers: auth });
        return sampleSum(families, "api_sse_clients") === 1 || undefined;
      },
      10_000,
      "one SSE client counted",
    );

    const producer = testKafka("api-metrics-test").producer();
    await producer.connect();
    try {
      const stored = await storeComments(db.sql, Array.from({ length: 40 }, () => ({})));
      await publish(producer, topics.processed, stored);
      // At-least-once: a redelivered copy is dropped, not streamed twice.
      await publish(producer, topics.processed, stored.slice(0, 5));
      assertEquals((await reader.next(40)).map((event) => event.id), stored.map((c) => c.seq));
    } finally {
      await producer.disconnect();
    }
    const after = await eventually(
      async () => {
        const families = await scrapeMetrics(`${url}/metrics`, { headers: auth });
        // The poll safety net may stream a row before Kafka announces it; its Kafka copy then
        // counts as a repeat too, so only the lower bound is known.
        return sampleSum(families, "api_comments_received_total") === 45 &&
            sampleSum(families, "api_duplicates_dropped_total") >= 5
          ? families
          : undefined;
      },
      20_000,
      "45 messages received, at least 5 repeats dropped",
    );
    ok(sampleSum(after, "api_comments_delivered_total") >= 40);
    ok(sampleSum(after, "api_sse_events_sent_total") >= 40);
    assertEquals(sampleSum(after, "api_comments_invalid_total"), 0);
    await reader.cancel();
  },
);
