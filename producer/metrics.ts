/**
 * The producer's `/metrics`: the run's own totals read at scrape time, plus one histogram
 * observation per produce request (never per message).
 *
 * @module
 */
import {
  BATCH_SIZE_BUCKETS,
  counterFrom,
  createRegistry,
  gaugeFrom,
  Histogram,
  labeledCounterFrom,
  LATENCY_BUCKETS,
  type Registry,
} from "@sentiment/kit/metrics";
import type { RunStats } from "./run.ts";

/** The registry and the hook the publisher calls per request. */
export interface ProducerMetrics {
  registry: Registry;
  onRequest(messages: number, seconds: number, ok: boolean): void;
}

/** Registers the producer's metrics over `totals` (the live run totals) and the queue length. */
export function createProducerMetrics(
  totals: RunStats,
  pending: () => number,
  kafka: () => { unavailable: boolean; retries: number } = () => ({
    unavailable: false,
    retries: 0,
  }),
): ProducerMetrics {
  const registry = createRegistry("producer");
  counterFrom(
    registry,
    "producer_messages_published_total",
    "Comments Kafka acknowledged (intentional duplicates included).",
    () => totals.published,
  );
  counterFrom(
    registry,
    "producer_duplicates_published_total",
    "Intentional duplicates (an earlier commentId sent again) Kafka acknowledged.",
    () => totals.duplicates,
  );
  counterFrom(
    registry,
    "producer_publish_failures_total",
    "Generated comments Kafka does not hold: refused for themselves, or not sent at stop.",
    () => totals.failed,
  );
  counterFrom(
    registry,
    "producer_messages_refused_total",
    "Comments Kafka refused for themselves (too large, invalid); never retried.",
    () => totals.refused,
  );
  counterFrom(
    registry,
    "producer_messages_not_sent_total",
    "Comments still queued when the producer stopped while Kafka was unavailable.",
    () => totals.notSent,
  );
  counterFrom(
    registry,
    "producer_send_retries_total",
    "Produce requests sent again after a failure (Kafka unavailable); nothing is dropped.",
    () => kafka().retries,
  );
  gaugeFrom(
    registry,
    "producer_kafka_unavailable",
    "1 while produce requests fail and comments are held for another attempt.",
    () => kafka().unavailable ? 1 : 0,
  );
  labeledCounterFrom(
    registry,
    "producer_messages_published_by_tag_total",
    "Acknowledged comments by the class they were generated as.",
    "tag",
    () => totals.byTag,
  );
  gaugeFrom(registry, "producer_pending_messages", "Comments queued or in flight.", pending);
  const batch = new Histogram({
    name: "producer_batch_size",
    help: "Comments per produce request.",
    buckets: BATCH_SIZE_BUCKETS,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "producer_request_duration_seconds",
    help: "Duration of produce requests until acknowledged (acks=all), by outcome.",
    labelNames: ["outcome"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  // Children resolved once, so a request costs no label lookup.
  const ok = latency.labels("ok");
  const failed = latency.labels("failed");
  return {
    registry,
    onRequest(messages, seconds, succeeded) {
      batch.observe(messages);
      (succeeded ? ok : failed).observe(seconds);
    },
  };
}
