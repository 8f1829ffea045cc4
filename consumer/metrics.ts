/**
 * Prometheus metrics of the consumer, served at `/metrics` on the health port. Totals the
 * pipeline already keeps ({@link Stats}) are read at scrape time; what needs a distribution or a
 * label (gRPC and INSERT latency, batch sizes, retries by attempt, dead letters by reason) is
 * observed by thin wrappers around the pipeline's dependencies, once per call, never per message.
 *
 * @module
 */
import {
  BATCH_SIZE_BUCKETS,
  Counter,
  counterFrom,
  createRegistry,
  Gauge,
  gaugeFrom,
  Histogram,
  LATENCY_BUCKETS,
  type Registry,
} from "@sentiment/kit/metrics";
import type { PassRunner } from "./flow.ts";
import type { Publisher } from "./publisher.ts";
import type { SentimentGateway } from "./sentiment_client.ts";
import type { Stats } from "./stats.ts";
import type { CommentStore } from "./store.ts";
import type { CommentItem } from "./work_item.ts";

/** The series that `deno task status` reads for the consumer's rate. */
export const RECEIVED_TOTAL = "consumer_messages_received_total";

export class ConsumerMetrics {
  readonly registry: Registry = createRegistry("consumer");
  readonly #grpcSeconds: Histogram<string>;
  readonly #grpcFailures: Counter<string>;
  readonly #sentimentBatch: Histogram;
  readonly #insertSeconds: Histogram;
  readonly #insertBatch: Histogram;
  readonly #passBatch: Histogram;
  readonly #retries: Counter<string>;
  readonly #deadLettered: Counter<string>;
  readonly #refused: Counter<string>;
  readonly #lag: Gauge<string>;

  constructor(stats: Stats, inFlight: () => number) {
    const r = this.registry;
    const total = (name: string, help: string, read: () => number) =>
      counterFrom(r, name, help, read);
    total(
      RECEIVED_TOTAL,
      "Messages read from raw-comments into the pipeline.",
      () => stats.received,
    );
    total(
      "consumer_comments_stored_total",
      "Comments this instance inserted into PostgreSQL.",
      () => stats.processed,
    );
    total(
      "consumer_messages_published_total",
      "Comments published to processed-comments.",
      () => stats.published,
    );
    total(
      "consumer_duplicates_total",
      "Messages discarded as duplicates (pass, Redis or PostgreSQL).",
      () => stats.duplicates,
    );
    total(
      "consumer_cache_hits_total",
      "Texts whose tag came from the LRU cache.",
      () => stats.cacheHits,
    );
    total(
      "consumer_cache_misses_total",
      "Texts sent to the sentiment service.",
      () => stats.cacheMisses,
    );
    total(
      "consumer_sentiment_calls_total",
      "AnalyzeSentimentBatch calls.",
      () => stats.sentimentCalls,
    );
    total(
      "consumer_invalid_total",
      "Invalid messages sent to the dead-letter queue.",
      () => stats.invalid,
    );
    total(
      "consumer_unknown_fields_total",
      "Accepted raw comments that carried fields this version does not know (ignored).",
      () => stats.unknownFields,
    );
    gaugeFrom(r, "consumer_in_flight", "Messages taken from Kafka and not finished.", inFlight);
    this.#grpcSeconds = new Histogram({
      name: "consumer_grpc_call_seconds",
      help: "Latency of AnalyzeSentimentBatch calls, by outcome.",
      labelNames: ["outcome"],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.#grpcFailures = new Counter({
      name: "consumer_sentiment_failures_total",
      help:
        "Failed sentiment attempts: whole calls (kind=call) and single items (kind=item, by gRPC code).",
      labelNames: ["kind", "code"],
      registers: [r],
    });
    const sizes = (name: string, help: string) =>
      new Histogram({ name, help, buckets: BATCH_SIZE_BUCKETS, registers: [r] });
    this.#sentimentBatch = sizes(
      "consumer_sentiment_batch_items",
      "Items per AnalyzeSentimentBatch call.",
    );
    this.#insertBatch = sizes("consumer_insert_batch_rows", "Rows per INSERT statement.");
    this.#passBatch = sizes("consumer_pass_batch_messages", "Messages per pipeline pass.");
    this.#insertSeconds = new Histogram({
      name: "consumer_db_insert_seconds",
      help: "Latency of the multi-row INSERT into comments.",
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.#retries = new Counter({
      name: "consumer_retries_total",
      help: "Retries scheduled, by the attempt that will be made (2 = first retry).",
      labelNames: ["attempt"],
      registers: [r],
    });
    this.#deadLettered = new Counter({
      name: "consumer_dead_lettered_total",
      help: "Messages sent to the dead-letter queue, by reason.",
      labelNames: ["reason"],
      registers: [r],
    });
    this.#refused = new Counter({
      name: "consumer_kafka_refused_total",
      help:
        "Messages Kafka refused for themselves (too large, invalid record), by the topic meant: " +
        "each was set aside as a data fault, never retried as an outage.",
      labelNames: ["topic"],
      registers: [r],
    });
    this.#lag = new Gauge({
      name: "consumer_partition_lag",
      help: "Messages in a raw-comments partition beyond the last one this instance fetched.",
      labelNames: ["partition"],
      registers: [r],
    });
  }

  /** Kafka's high watermark as seen with a fetched batch. */
  recordLag(partition: number, highWatermark: string, lastOffset: string): void {
    this.#lag.set(
      { partition: String(partition) },
      Math.max(0, Number(highWatermark) - Number(lastOffset) - 1),
    );
  }

  sentiment(gateway: SentimentGateway): SentimentGateway {
    return {
      analyze: async (items) => {
        this.#sentimentBatch.observe(items.length);
        const end = this.#grpcSeconds.startTimer();
        try {
          const outcomes = await gateway.analyze(items);
          end({ outcome: "ok" });
          for (const outcome of outcomes) {
            if (!outcome.ok) this.#grpcFailures.inc({ kind: "item", code: String(outcome.code) });
          }
          return outcomes;
        } catch (error) {
          end({ outcome: "failed" });
          this.#grpcFailures.inc({ kind: "call", code: "" });
          throw error;
        }
      },
      waitForReady: (timeoutMs) => gateway.waitForReady(timeoutMs),
      close: () => gateway.close(),
    };
  }

  store(store: CommentStore): CommentStore {
    return {
      store: async (comments) => {
        this.#insertBatch.observe(comments.length);
        const end = this.#insertSeconds.startTimer();
        try {
          return await store.store(comments);
        } finally {
          end();
        }
      },
      find: (commentIds) => store.find(commentIds),
      addCounters: (delta) => store.addCounters(delta),
      compactCounters: () => store.compactCounters(),
    };
  }

  publisher(publisher: Publisher): Publisher {
    return {
      publish: async (processed, deadLetters) => {
        const refusals = await publisher.publish(processed, deadLetters);
        // Counted once acknowledged, as the dead-letter queue holds them from then on.
        const refused = new Set(refusals.deadLetters.map(({ index }) => index));
        deadLetters.forEach(({ letter }, index) => {
          if (!refused.has(index)) this.#deadLettered.inc({ reason: letter.reason });
        });
        if (refusals.processed.length > 0) {
          this.#refused.inc({ topic: "processed" }, refusals.processed.length);
        }
        if (refused.size > 0) this.#refused.inc({ topic: "dead_letter" }, refused.size);
        return refusals;
      },
    };
  }

  runner(runner: PassRunner<CommentItem>): PassRunner<CommentItem> {
    return {
      run: async (items, signal) => {
        this.#passBatch.observe(items.length);
        const result = await runner.run(items, signal);
        for (const { item } of result.retry) {
          this.#retries.inc({ attempt: String(item.failures + 1) });
        }
        return result;
      },
    };
  }
}
