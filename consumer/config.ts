/**
 * The consumer's settings: one table of the environment variables it reads, so that a bad value
 * stops the service with one line naming the variable.
 *
 * @module
 */
import {
  ConfigError,
  durations,
  type EnvSource,
  hostPorts,
  int,
  port,
  text,
} from "@sentiment/kit/config";
import type { LogLevel } from "@sentiment/kit/log";
import { DEFAULT_MAX_TEXT_LENGTH } from "@sentiment/contracts/messages";
import { readSettings, type SettingsTable } from "@sentiment/kit/settings";
import {
  DATABASE_URL,
  KAFKA_BROKERS,
  LOG_LEVEL,
  REDIS_URL,
  topicSetting,
} from "@sentiment/kit/shared_settings";
import { MAX_MESSAGE_BYTES } from "./pipeline.ts";
import type { RetentionSettings } from "./retention.ts";

/** Everything the consumer needs to run, with defaults applied and values checked. */
export interface ConsumerConfig {
  kafkaBrokers: string[];
  topics: { raw: string; processed: string; deadLetter: string };
  groupId: string;
  /** How long the group waits for a silent member (a crashed instance) before reassigning. */
  sessionTimeoutMs: number;
  /** How long a rebalance waits for members to rejoin (a crashed one never does). */
  rebalanceTimeoutMs: number;
  /** Bytes a fetch waits for at the broker, up to `fetchMaxWaitMs`. */
  fetchMinBytes: number;
  /** Longest a fetch waits at the broker for `fetchMinBytes`. */
  fetchMaxWaitMs: number;
  consumerId: string;
  databaseUrl: string;
  redisUrl: string;
  sentimentAddress: string;
  /** Deadline of one AnalyzeSentimentBatch call. */
  sentimentTimeoutMs: number;
  dedupTtlSeconds: number;
  cacheSize: number;
  /** Wait before retry n (1-based) of a failed sentiment attempt; its length is the retry count. */
  retryDelaysMs: number[];
  maxTextLength: number;
  /** Raw values larger than this are dead-lettered unparsed (`message_too_large`). */
  maxMessageBytes: number;
  /** Upper bound on comments held in memory (queued, being processed, or waiting to retry). */
  maxInFlight: number;
  /** Most comments handled together in one pipeline pass. */
  batchSize: number;
  /** Pipeline passes running at once, so one pass's I/O overlaps another's. */
  concurrency: number;
  /** How long fresh messages wait for the rest of their fetch before a short pass starts. */
  gatherMs: number;
  /** Longest wait between attempts to reach PostgreSQL, Redis or Kafka while one is down. */
  infraRetryMaxMs: number;
  /** How long a graceful shutdown waits for work in progress before abandoning it. */
  shutdownTimeoutMs: number;
  summaryIntervalMs: number;
  /** Deletion of old rows (retention.ts); with dedupTtlSeconds it bounds the exactly-once window. */
  retention: RetentionSettings;
  healthHost: string;
  healthPort: number;
  logLevel: LogLevel;
}

/** `hostname-pid`, unique enough to tell consumer instances apart in rows and logs. */
export function defaultConsumerId(): string {
  let host = "consumer";
  try {
    host = Deno.hostname();
  } catch {
    // Without the sys permission the pid alone still distinguishes local instances.
  }
  return `${host}-${Deno.pid}`;
}

/** Every variable the consumer reads: the one source of names, defaults and checks. */
export const CONSUMER_SETTINGS = {
  kafkaBrokers: KAFKA_BROKERS,
  topicRaw: topicSetting("raw"),
  topicProcessed: topicSetting("processed"),
  topicDeadLetter: topicSetting("deadLetter"),
  groupId: {
    name: "CONSUMER_GROUP",
    default: "sentiment-consumer",
    parse: text(),
    doc: "Kafka consumer group (start more instances to share the partitions)",
  },
  sessionTimeoutMs: {
    name: "KAFKA_SESSION_TIMEOUT_MS",
    default: 30_000,
    parse: int({ min: 6_000, max: 300_000 }),
    doc: "how long the group waits for a silent member before reassigning its partitions",
  },
  rebalanceTimeoutMs: {
    name: "KAFKA_REBALANCE_TIMEOUT_MS",
    default: 60_000,
    parse: int({ min: 1_000, max: 600_000 }),
    doc: "how long a rebalance waits for members to rejoin",
  },
  // A fetch that answers at the first byte brings two or three comments at 1 000/s, and each
  // becomes a pass of its own (Redis, gRPC, INSERT, produce and commit round trips). Letting the
  // broker collect 32 KiB or 10 ms made a quarter of the fetches and less than half the passes:
  // 25–40 % less consumer CPU at 1 000/s, but p50 +3–5 ms and p99 +20–70 ms, and ~100 empty
  // fetches a second (+3 % of a core) while idle; at 5 000/s and in a drain fetches are full
  // either way (BENCHMARKS.md, issue 16). Latency is the target, so the defaults answer at once.
  fetchMinBytes: {
    name: "KAFKA_FETCH_MIN_BYTES",
    default: 1,
    parse: int({ min: 1, max: 1_048_576 }),
    doc: "bytes a fetch waits for at the broker (at most KAFKA_FETCH_MAX_WAIT_MS)",
  },
  fetchMaxWaitMs: {
    name: "KAFKA_FETCH_MAX_WAIT_MS",
    // Also how long kafkajs sleeps between looks while paused: resume promptly after an outage.
    default: 1_000,
    parse: int({ min: 1, max: 5_000 }),
    doc: "longest a fetch waits at the broker for KAFKA_FETCH_MIN_BYTES",
  },
  consumerId: {
    name: "CONSUMER_ID",
    default: undefined as string | undefined,
    parse: text(),
    doc: "names this instance in stored rows and logs",
    shownDefault: "<hostname>-<pid>",
  },
  databaseUrl: DATABASE_URL,
  redisUrl: REDIS_URL,
  sentimentAddress: {
    name: "SENTIMENT_ADDRESS",
    default: ["127.0.0.1:50051"],
    parse: hostPorts(),
    doc: "host:port of the sentiment gRPC service",
  },
  sentimentTimeoutMs: {
    name: "SENTIMENT_TIMEOUT_MS",
    default: 10_000,
    parse: int({ min: 100 }),
    doc: "deadline of one AnalyzeSentimentBatch call",
  },
  dedupTtlSeconds: {
    name: "DEDUP_TTL_SECONDS",
    default: 10_800,
    parse: int({ min: 1 }),
    doc: "lifetime of the Redis processed:{commentId} keys",
  },
  cacheSize: {
    name: "CACHE_SIZE",
    default: 100,
    parse: int({ min: 1, max: 10_000_000 }),
    doc: "entries of the text hash → tag LRU cache",
  },
  retryDelaysMs: {
    name: "RETRY_DELAYS_MS",
    default: [1000, 2000, 4000, 8000, 16000],
    parse: durations(),
    doc: "wait before each retry of a failed sentiment call, then the dead-letter queue",
  },
  maxTextLength: {
    name: "MAX_TEXT_LENGTH",
    default: DEFAULT_MAX_TEXT_LENGTH,
    parse: int({ min: 1 }),
    doc: "longest text accepted",
  },
  maxMessageBytes: {
    name: "MAX_MESSAGE_BYTES",
    default: MAX_MESSAGE_BYTES,
    parse: int({ min: 1024 }),
    doc: "larger raw values are dead-lettered unparsed",
  },
  maxInFlight: {
    name: "MAX_IN_FLIGHT",
    // Each item keeps a view into its fetch response alive: with 8 000 (and 2 MiB fetches) the
    // 200 000 drain run peaked at 384 MiB where 20 000 took 459 MiB (BENCHMARKS.md, issue 16);
    // 2.7 passes of BATCH_SIZE still keep 4 passes fed.
    default: 8_000,
    parse: int({ min: 1, max: 1_000_000 }),
    doc: "comments held in memory at most (at least BATCH_SIZE)",
  },
  // 3 000 × 4 measured best draining a 200 000-comment backlog on 2 cores (12.5k/s vs 10.8k/s
  // for 2 000 × 3 and 1 000 × 6): fewer, larger statements, calls and requests per comment.
  batchSize: {
    name: "BATCH_SIZE",
    default: 3000,
    parse: int({ min: 1, max: 20_000 }),
    doc: "most comments handled together in one pipeline pass",
  },
  concurrency: {
    name: "PIPELINE_CONCURRENCY",
    default: 4,
    parse: int({ min: 1, max: 64 }),
    doc: "pipeline passes running at once",
  },
  // One fetch arrives a partition at a time; 2 ms lets its six partitions share one pass (one
  // Redis, gRPC, INSERT and produce round trip instead of six) at a cost of 2 ms of latency.
  gatherMs: {
    name: "PIPELINE_GATHER_MS",
    default: 2,
    parse: int({ min: 0, max: 1_000 }),
    doc: "wait for the rest of a fetch before a pass of fewer than BATCH_SIZE starts (0: none)",
  },
  infraRetryMaxMs: {
    name: "INFRA_RETRY_MAX_MS",
    default: 5000,
    parse: int({ min: 10 }),
    doc: "longest back-off while PostgreSQL, Redis or Kafka is down",
  },
  shutdownTimeoutMs: {
    name: "SHUTDOWN_TIMEOUT_MS",
    default: 10_000,
    parse: int({ min: 0 }),
    doc: "how long a graceful stop waits for work in progress",
  },
  summaryIntervalMs: {
    name: "SUMMARY_INTERVAL_MS",
    default: 10_000,
    parse: int({ min: 100 }),
    doc: "period of the info-level summary line",
  },
  healthHost: {
    name: "CONSUMER_HEALTH_HOST",
    default: "127.0.0.1",
    parse: text(),
    doc: "address of /healthz, /readyz and /metrics",
  },
  healthPort: {
    name: "CONSUMER_HEALTH_PORT",
    default: 3002,
    parse: port(),
    doc: "port of /healthz, /readyz and /metrics",
  },
  retentionDays: {
    name: "COMMENTS_RETENTION_DAYS",
    default: 30,
    parse: int({ min: 0, max: 36_500 }),
    doc: "comments stored longer ago than this many days are deleted; 0 keeps every row",
  },
  retentionIntervalSeconds: {
    name: "RETENTION_INTERVAL_SECONDS",
    default: 60,
    parse: int({ min: 1, max: 86_400 }),
    doc: "pause between two retention passes",
  },
  retentionBatchSize: {
    name: "RETENTION_BATCH_SIZE",
    default: 2000,
    parse: int({ min: 1, max: 100_000 }),
    doc: "rows deleted per retention chunk (one short transaction each)",
  },
  logLevel: LOG_LEVEL,
} satisfies SettingsTable;

/** Reads and checks the configuration; throws ConfigError naming the first bad variable. */
export function readConfig(
  env: EnvSource,
  consumerIdFallback: () => string = defaultConsumerId,
): ConsumerConfig {
  const {
    topicRaw,
    topicProcessed,
    topicDeadLetter,
    sentimentAddress,
    consumerId,
    retentionDays,
    retentionIntervalSeconds,
    retentionBatchSize,
    ...values
  } = readSettings(CONSUMER_SETTINGS, env);
  if (values.maxInFlight < values.batchSize) {
    throw new ConfigError(
      "MAX_IN_FLIGHT",
      `${values.maxInFlight} is smaller than BATCH_SIZE ${values.batchSize}`,
    );
  }
  return {
    ...values,
    topics: { raw: topicRaw, processed: topicProcessed, deadLetter: topicDeadLetter },
    consumerId: consumerId ?? consumerIdFallback(),
    sentimentAddress: sentimentAddress[0],
    retention: {
      retentionDays,
      intervalMs: retentionIntervalSeconds * 1000,
      batchSize: retentionBatchSize,
    },
  };
}
