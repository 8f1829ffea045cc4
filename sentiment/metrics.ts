/**
 * The sentiment service's `/metrics`: the analyzer's totals read at scrape time, and one
 * histogram observation per gRPC call (a batch call is one observation, whatever its size).
 *
 * @module
 */
import {
  BATCH_SIZE_BUCKETS,
  Counter,
  counterFrom,
  createRegistry,
  Histogram,
  labeledCounterFrom,
  LATENCY_BUCKETS,
  type Registry,
} from "@sentiment/kit/metrics";
import type { AnalyzerStats } from "./analyzer.ts";
import type { SentimentMethod } from "./server.ts";

/** The registry and the per-call hook for the server. */
export interface SentimentMetrics {
  registry: Registry;
  onCall(method: SentimentMethod, seconds: number, items: number, ok: boolean): void;
}

const METHODS: SentimentMethod[] = ["AnalyzeSentiment", "AnalyzeSentimentBatch"];

/** Registers the metrics over the analyzer's live totals. */
export function createSentimentMetrics(totals: Readonly<AnalyzerStats>): SentimentMetrics {
  const registry = createRegistry("sentiment");
  counterFrom(
    registry,
    "sentiment_items_total",
    "Texts received (each unary call is one, each batch item one).",
    () => totals.items,
  );
  labeledCounterFrom(
    registry,
    "sentiment_items_tagged_total",
    "Texts answered with a tag, by tag.",
    "tag",
    () => totals.tags,
  );
  labeledCounterFrom(
    registry,
    "sentiment_item_failures_total",
    "Texts answered with an error: injected (UNAVAILABLE, on purpose) or invalid (INVALID_ARGUMENT).",
    "reason",
    () => ({ injected: totals.injectedFailures, invalid: totals.invalid }),
  );
  const duration = new Histogram({
    name: "sentiment_grpc_call_duration_seconds",
    help: "Time to answer a gRPC call, by method; its _count is the number of calls.",
    labelNames: ["method"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const failures = new Counter({
    name: "sentiment_grpc_call_failures_total",
    help: "gRPC calls answered with an error status, by method.",
    labelNames: ["method"],
    registers: [registry],
  });
  const batchItems = new Histogram({
    name: "sentiment_batch_items",
    help: "Items per AnalyzeSentimentBatch call.",
    buckets: BATCH_SIZE_BUCKETS,
    registers: [registry],
  });
  // Label children resolved once, so a call costs no label hashing; zeroes appear from start.
  const durations = Object.fromEntries(METHODS.map((m) => [m, duration.labels(m)]));
  const failed = Object.fromEntries(METHODS.map((m) => [m, failures.labels(m)]));
  for (const method of METHODS) failed[method].inc(0);
  return {
    registry,
    onCall(method, seconds, items, ok) {
      durations[method].observe(seconds);
      if (!ok) failed[method].inc();
      if (method === "AnalyzeSentimentBatch") batchItems.observe(items);
    },
  };
}
