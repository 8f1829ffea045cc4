import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ConfigError, envFrom } from "@sentiment/kit/config";
import { readConfig } from "./config.ts";

Deno.test("defaults", () => {
  const config = readConfig(envFrom({}), () => "host-1");
  assertEquals(config.kafkaBrokers, ["127.0.0.1:9092"]);
  assertEquals(config.topics, {
    raw: "raw-comments",
    processed: "processed-comments",
    deadLetter: "dead-letter-queue",
  });
  assertEquals(config.groupId, "sentiment-consumer");
  assertEquals(config.consumerId, "host-1");
  assertEquals(config.databaseUrl, "postgres://sentiment:sentiment@127.0.0.1:5432/sentiment");
  assertEquals(config.redisUrl, "redis://127.0.0.1:6379");
  assertEquals(config.sentimentAddress, "127.0.0.1:50051");
  assertEquals(config.dedupTtlSeconds, 10_800);
  assertEquals(config.retention, { retentionDays: 30, intervalMs: 60_000, batchSize: 2000 });
  assertEquals(config.cacheSize, 100);
  assertEquals(config.retryDelaysMs, [1000, 2000, 4000, 8000, 16000]);
  assertEquals(config.maxTextLength, 5000);
  assertEquals(config.healthHost, "127.0.0.1");
  assertEquals(config.healthPort, 3002);
  assertEquals(config.logLevel, "info");
  assertEquals([config.fetchMinBytes, config.fetchMaxWaitMs], [1, 1_000]);
});

Deno.test("variables override defaults", () => {
  const config = readConfig(envFrom({
    KAFKA_TOPIC_RAW: "r",
    CONSUMER_ID: "c-9",
    RETRY_DELAYS_MS: "10, 20",
    CACHE_SIZE: "5",
    MAX_IN_FLIGHT: "500",
    BATCH_SIZE: "100",
    LOG_LEVEL: "DEBUG",
    COMMENTS_RETENTION_DAYS: "0",
    RETENTION_INTERVAL_SECONDS: "5",
    RETENTION_BATCH_SIZE: "10",
    KAFKA_FETCH_MIN_BYTES: "32768",
    KAFKA_FETCH_MAX_WAIT_MS: "10",
  }));
  assertEquals([config.fetchMinBytes, config.fetchMaxWaitMs], [32_768, 10]);
  assertEquals(config.retention, { retentionDays: 0, intervalMs: 5000, batchSize: 10 });
  assertEquals(config.topics.raw, "r");
  assertEquals(config.consumerId, "c-9");
  assertEquals(config.retryDelaysMs, [10, 20]);
  assertEquals(config.cacheSize, 5);
  assertEquals(config.logLevel, "debug");
});

Deno.test("a bad value names its variable", () => {
  const cases: Record<string, string>[] = [
    { CONSUMER_HEALTH_PORT: "99999" },
    { RETRY_DELAYS_MS: "1000,soon" },
    { CACHE_SIZE: "0" },
    { DATABASE_URL: "mysql://x" },
    { KAFKA_BROKERS: "nohostport" },
    { LOG_LEVEL: "loud" },
    { COMMENTS_RETENTION_DAYS: "-1" },
    { COMMENTS_RETENTION_DAYS: "thirty" },
    { RETENTION_BATCH_SIZE: "0" },
    { MAX_IN_FLIGHT: "10", BATCH_SIZE: "100" },
    { KAFKA_FETCH_MIN_BYTES: "0" },
    { KAFKA_FETCH_MAX_WAIT_MS: "0" },
  ];
  for (const values of cases) {
    const variable = Object.keys(values)[0];
    throws(() => readConfig(envFrom(values)), (error: unknown) => {
      return error instanceof ConfigError && error.variable === variable;
    });
  }
});
