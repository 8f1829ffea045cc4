/**
 * The sentiment process's `/healthz` and `/metrics` (its HTTP port beside gRPC): valid
 * Prometheus text whose counters match the calls made.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { AnalyzeSentimentRequest } from "@sentiment/contracts/grpc";
import { createSentimentClient } from "@sentiment/contracts/grpc";
import { freePort, sampleSum, scrapeMetrics, startService } from "@sentiment/testkit";

const request = (text: string): AnalyzeSentimentRequest => ({
  commentId: crypto.randomUUID(),
  text,
  textHash: "",
  consumerId: "metrics-test",
});

Deno.test({
  name: "sentiment: /metrics counts items, outcomes and calls",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const service = startService("sentiment", {
      SENTIMENT_PORT: String(grpcPort),
      SENTIMENT_METRICS_PORT: String(metricsPort),
      SENTIMENT_FAILURE_RATIO: "0.25",
      SENTIMENT_FAILURE_SEED: "42",
    });
    const client = createSentimentClient(`127.0.0.1:${grpcPort}`);
    try {
      await service.waitForLog((_line, record) =>
        record?.message === "Sentiment service listening"
      );
      const base = `http://127.0.0.1:${metricsPort}`;
      const health = await fetch(`${base}/healthz`);
      assertEquals([health.status, (await health.json()).status], [200, "ok"]);

      let unaryFailures = 0;
      for (let i = 0; i < 20; i++) {
        const text = i === 0 ? " " : `I love this ${i}`;
        const failed = await new Promise<boolean>((resolve) =>
          client.AnalyzeSentiment(request(text), {}, (error) => resolve(error !== null))
        );
        if (failed) unaryFailures++;
      }
      const items = Array.from({ length: 100 }, (_, i) => request(`terrible thing ${i}`));
      const results = await new Promise<number>((resolve, reject) =>
        client.AnalyzeSentimentBatch(
          { items, consumerId: "metrics-test" },
          {},
          (error, response) => error ? reject(error) : resolve(response!.results.length),
        )
      );
      assertEquals(results, 100);

      const metrics = await scrapeMetrics(`${base}/metrics`);
      assertEquals(sampleSum(metrics, "sentiment_items_total"), 120);
      assertEquals(
        sampleSum(metrics, "sentiment_items_tagged_total") +
          sampleSum(metrics, "sentiment_item_failures_total"),
        120,
      );
      assertEquals(sampleSum(metrics, "sentiment_item_failures_total", { reason: "invalid" }), 1);
      const count = (method: string) =>
        sampleSum(metrics, "sentiment_grpc_call_duration_seconds_count", { method });
      assertEquals([count("AnalyzeSentiment"), count("AnalyzeSentimentBatch")], [20, 1]);
      assertEquals(
        sampleSum(metrics, "sentiment_grpc_call_failures_total", { method: "AnalyzeSentiment" }),
        unaryFailures,
      );
      assertEquals(sampleSum(metrics, "sentiment_batch_items_sum"), 100);
    } finally {
      const status = await service.stop();
      client.close();
      assertEquals(status.code, 0, service.lines.slice(-10).join("\n"));
    }
  },
});
