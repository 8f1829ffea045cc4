/**
 * The consumer's settings, read from environment variables with the shared proto/config helpers
 * so that a bad value stops the service with one line naming the variable.
 *
 * @module
 */
import {
  ConfigError,
  envDurations,
  envHostPorts,
  envInt,
  envPort,
  type EnvSource,
  envString,
  envUrl,
} from "@sentiment/proto/config";
import { type LogLevel, parseLogLevel } from "@sentiment/proto/log";
import { DEFAULT_MAX_TEXT_LENGTH, TOPIC_DEFAULTS } from "@sentiment/proto/messages";
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
  consumerId: string;
  databaseUrl: string;
  redisUrl: string;
  sentimentAddress: string;
  /** Deadline of one AnalyzeSentimentBatch call. */
  sentimentTimeoutMs: number;
  dedupTtlSeconds: number;
  /** Deletion of old rows (retention.ts); with dedupTtlSeconds it bounds the exactly-once window. */
  retention: RetentionSettings;
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
  /** Longest wait between attempts to reach PostgreSQL, Redis or Kafka while one is down. */
  infraRetryMaxMs: number;
  /** How long a graceful shutdown waits for work in progress before abandoning it. */
  shutdownTimeoutMs: number;
  summaryIntervalMs: number;
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

/** Reads and checks the configuration; throws ConfigError naming the first bad variable. */
export function readConfig(
  env: EnvSource,
  consumerIdFallback: () => string = defaultConsumerId,
): ConsumerConfig {
  const retryDelaysMs = envDurations(env, "RETRY_DELAYS_MS", [1000, 2000, 4000, 8000, 16000]);
  const logText = envString(env, "LOG_LEVEL", "info");
  const logLevel = parseLogLevel(logText);
  if (!logLevel) {
    throw new ConfigError("LOG_LEVEL", `"${logText}" is not debug, info, warn or error`);
  }
  // 3 000 × 4 measured best draining a 200 000-comment backlog on 2 cores (12.5k/s vs 10.8k/s
  // for 2 000 × 3 and 1 000 × 6): fewer, larger statements, calls and requests per comment.
  const batchSize = envInt(env, "BATCH_SIZE", 3000, { min: 1, max: 20_000 });
  const maxInFlight = envInt(env, "MAX_IN_FLIGHT", 20_000, { min: 1, max: 1_000_000 });
  if (maxInFlight < batchSize) {
    throw new ConfigError(
      "MAX_IN_FLIGHT",
      `${maxInFlight} is smaller than BATCH_SIZE ${batchSize}`,
    );
  }
  return {
    kafkaBrokers: envHostPorts(env, "KAFKA_BROKERS", ["127.0.0.1:9092"]),
    topics: {
      raw: envString(env, TOPIC_DEFAULTS.raw.env, TOPIC_DEFAULTS.raw.name),
      processed: envString(env, TOPIC_DEFAULTS.processed.env, TOPIC_DEFAULTS.processed.name),
      deadLetter: envString(env, TOPIC_DEFAULTS.deadLetter.env, TOPIC_DEFAULTS.deadLetter.name),
    },
    groupId: envString(env, "CONSUMER_GROUP", "sentiment-consumer"),
    sessionTimeoutMs: envInt(env, "KAFKA_SESSION_TIMEOUT_MS", 30_000, {
      min: 6_000,
      max: 300_000,
    }),
    rebalanceTimeoutMs: envInt(env, "KAFKA_REBALANCE_TIMEOUT_MS", 60_000, {
      min: 1_000,
      max: 600_000,
    }),
    consumerId: envString(env, "CONSUMER_ID", "") || consumerIdFallback(),
    databaseUrl: envUrl(
      env,
      "DATABASE_URL",
      "postgres://sentiment:sentiment@127.0.0.1:5432/sentiment",
      ["postgres:", "postgresql:"],
    ),
    redisUrl: envUrl(env, "REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]),
    sentimentAddress: envHostPorts(env, "SENTIMENT_ADDRESS", ["127.0.0.1:50051"])[0],
    sentimentTimeoutMs: envInt(env, "SENTIMENT_TIMEOUT_MS", 10_000, { min: 100 }),
    dedupTtlSeconds: envInt(env, "DEDUP_TTL_SECONDS", 10_800, { min: 1 }),
    retention: {
      retentionDays: envInt(env, "COMMENTS_RETENTION_DAYS", 30, { min: 0, max: 36_500 }),
      intervalMs: envInt(env, "RETENTION_INTERVAL_SECONDS", 60, { min: 1, max: 86_400 }) * 1000,
      batchSize: envInt(env, "RETENTION_BATCH_SIZE", 2000, { min: 1, max: 100_000 }),
    },
    cacheSize: envInt(env, "CACHE_SIZE", 100, { min: 1, max: 10_000_000 }),
    retryDelaysMs,
    maxTextLength: envInt(env, "MAX_TEXT_LENGTH", DEFAULT_MAX_TEXT_LENGTH, { min: 1 }),
    maxMessageBytes: envInt(env, "MAX_MESSAGE_BYTES", MAX_MESSAGE_BYTES, { min: 1024 }),
    maxInFlight,
    batchSize,
    concurrency: envInt(env, "PIPELINE_CONCURRENCY", 4, { min: 1, max: 64 }),
    infraRetryMaxMs: envInt(env, "INFRA_RETRY_MAX_MS", 5000, { min: 10 }),
    shutdownTimeoutMs: envInt(env, "SHUTDOWN_TIMEOUT_MS", 10_000, { min: 0 }),
    summaryIntervalMs: envInt(env, "SUMMARY_INTERVAL_MS", 10_000, { min: 100 }),
    healthHost: envString(env, "CONSUMER_HEALTH_HOST", "127.0.0.1"),
    healthPort: envPort(env, "CONSUMER_HEALTH_PORT", 3002),
    logLevel,
  };
}

/** Every variable {@link readConfig} reads, for the permission set and the README. */
export const CONFIG_VARIABLES = [
  "KAFKA_BROKERS",
  TOPIC_DEFAULTS.raw.env,
  TOPIC_DEFAULTS.processed.env,
  TOPIC_DEFAULTS.deadLetter.env,
  "CONSUMER_GROUP",
  "KAFKA_SESSION_TIMEOUT_MS",
  "KAFKA_REBALANCE_TIMEOUT_MS",
  "CONSUMER_ID",
  "DATABASE_URL",
  "REDIS_URL",
  "SENTIMENT_ADDRESS",
  "SENTIMENT_TIMEOUT_MS",
  "DEDUP_TTL_SECONDS",
  "COMMENTS_RETENTION_DAYS",
  "RETENTION_INTERVAL_SECONDS",
  "RETENTION_BATCH_SIZE",
  "CACHE_SIZE",
  "RETRY_DELAYS_MS",
  "MAX_TEXT_LENGTH",
  "MAX_MESSAGE_BYTES",
  "MAX_IN_FLIGHT",
  "BATCH_SIZE",
  "PIPELINE_CONCURRENCY",
  "INFRA_RETRY_MAX_MS",
  "SHUTDOWN_TIMEOUT_MS",
  "SUMMARY_INTERVAL_MS",
  "CONSUMER_HEALTH_HOST",
  "CONSUMER_HEALTH_PORT",
  "LOG_LEVEL",
] as const;
