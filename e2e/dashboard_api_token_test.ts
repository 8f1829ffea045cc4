/**
 * The dashboard server in front of the real api process started with API_TOKEN: the browser
 * never holds the token (EventSource cannot send headers), the server adds it, so the page's
 * requests and its event stream work; a dashboard without the token gets the api's 401.
 * Also the dashboard's own `/metrics`.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createLogger } from "@sentiment/kit/log";
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  integrationTest,
  parsePrometheusText,
  sampleSum,
  startService,
} from "@sentiment/testkit";
import { createDashboardMetrics } from "../dashboard/metrics.ts";
import { createHandler } from "../dashboard/server.tsx";

const TOKEN = "dashboard-test-token-42";
const logger = createLogger("dashboard", "error", () => {});

integrationTest("dashboard: passes API_TOKEN on for requests and the event stream", async () => {
  await using db = await createTestDatabase();
  const topics = await createTestTopics(1);
  const apiPort = await freePort();
  await using _api = startService("api", {
    ...topics.env,
    DATABASE_URL: db.url,
    API_PORT: String(apiPort),
    API_TOKEN: TOKEN,
    API_STREAM_POLL_MS: "200",
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await eventually(async () => (await fetch(`${apiUrl}/readyz`).then((r) => r.ok)) || undefined);

  const metrics = createDashboardMetrics();
  const withToken = createHandler({
    config: { apiUrl, apiToken: TOKEN, maxComments: 10 },
    logger,
    metrics,
  });
  const withoutToken = createHandler({
    config: { apiUrl, apiToken: null, maxComments: 10 },
    logger,
  });
  const dashboardPort = await freePort();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: dashboardPort, onListen() {} },
    withToken,
  );
  try {
    const base = `http://127.0.0.1:${dashboardPort}`;
    const statistics = await fetch(`${base}/api/statistics`);
    assertEquals(statistics.status, 200);
    assertEquals(typeof await statistics.json(), "object");

    const refused = await withoutToken(new Request(`${base}/api/statistics`));
    assertEquals(refused.status, 401);
    assertEquals(await refused.json(), { error: "unauthorized" });

    // The browser's EventSource request; the row reaches the stream by the api's poll of
    // PostgreSQL (no Kafka message needed).: no Authorization header of its own.
    const stream = await fetch(`${base}/api/stream`, { headers: { accept: "text/event-stream" } });
    assertEquals(stream.status, 200);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    const commentId = crypto.randomUUID();
    try {
      const [row] = await db.sql<{ seq: string }[]>`
        INSERT INTO comments (comment_id, text, text_hash, tag, source, created_at, consumer_id,
                              retry_count)
        VALUES (${commentId}, 'through the proxy', ${"0".repeat(64)}, 'POSITIVE', 'twitter',
                now(), 'test', 0)
        RETURNING seq`;
      ok(row);
      let text = "";
      while (!text.includes(commentId)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      ok(text.includes("event: comment"), text);
      ok(text.includes(commentId), text);
    } finally {
      await reader.cancel();
    }

    const scraped = await fetch(`${base}/metrics`);
    assertEquals(scraped.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const families = parsePrometheusText(await scraped.text());
    assertEquals(sampleSum(families, "dashboard_http_requests_total", { route: "api" }), 2);
    assertEquals(sampleSum(families, "dashboard_api_responses_total", { class: "2xx" }), 2);
    assertEquals(sampleSum(families, "dashboard_http_requests_total", { route: "metrics" }), 1);
  } finally {
    await server.shutdown();
  }
});
