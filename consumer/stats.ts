/**
 * Counters of what the consumer did since it started, read by the periodic summary and the
 * health endpoint.
 *
 * @module
 */

/** Monotonic counters; the pipeline adds to them, readers take snapshots. */
export class Stats {
  /** Messages read from raw-comments and accepted into the pipeline. */
  received = 0;
  /** Comments this instance inserted into PostgreSQL. */
  processed = 0;
  /** Comments that were already in PostgreSQL (re-deliveries Redis did not catch); published again. */
  alreadyStored = 0;
  /** Discarded as duplicates: repeats inside a pass, seen in Redis, or already in PostgreSQL. */
  duplicates = 0;
  cacheHits = 0;
  cacheMisses = 0;
  /** AnalyzeSentimentBatch calls made, and the items they carried. */
  sentimentCalls = 0;
  sentimentItems = 0;
  /** Whole calls that failed (service unreachable, deadline, malformed answer). */
  sentimentCallFailures = 0;
  /** Failed sentiment attempts of single items (each whole-call failure counts for each item). */
  sentimentItemFailures = 0;
  /** Retries scheduled after a failed attempt. */
  retries = 0;
  deadLettered = 0;
  /** Set aside although Kafka refused even their payload-less dead letter (logged at error). */
  unrecorded = 0;
  invalid = 0;
  /** Accepted messages that carried fields this version does not know (they were ignored). */
  unknownFields = 0;
  published = 0;
  /** Pipeline passes run, and the time spent in each step, summed over passes (ms). */
  passes = 0;
  validateMs = 0;
  redisMs = 0;
  sentimentMs = 0;
  storeMs = 0;
  publishMs = 0;

  snapshot(): Record<string, number> {
    return { ...this } as unknown as Record<string, number>;
  }
}
