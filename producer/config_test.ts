import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ConfigError, envFrom } from "@sentiment/kit/config";
import { readProducerConfig } from "./config.ts";

Deno.test("defaults: local Kafka, raw-comments, random pace, 5 % duplicates", () => {
  assertEquals(readProducerConfig(envFrom({})), {
    brokers: ["127.0.0.1:9092"],
    topic: "raw-comments",
    clientId: "producer",
    rate: undefined,
    burst: false,
    count: undefined,
    duplicateRatio: 0.05,
    seed: undefined,
    minIntervalMs: 100,
    maxIntervalMs: 10_000,
    batchSize: 500,
    maxPending: 1000,
    retryMaxMs: 5_000,
    shutdownTimeoutMs: 10_000,
    truthFile: undefined,
    summaryIntervalMs: 10_000,
    healthHost: "127.0.0.1",
    healthPort: 3003,
    logLevel: "info",
  });
});

Deno.test("flags override the environment", () => {
  const config = readProducerConfig(
    envFrom({ PRODUCER_RATE: "5", PRODUCER_SEED: "1", KAFKA_TOPIC_RAW: "env-topic" }),
    ["--rate", "200", "--count=50", "--burst", "--duplicate-ratio", "0.1", "--seed", "9"],
  );
  assertEquals(
    [config.rate, config.count, config.burst, config.duplicateRatio, config.seed, config.topic],
    [200, 50, true, 0.1, 9, "env-topic"],
  );
});

Deno.test("a bad value names the flag or variable it came from", () => {
  const bad = (env: Record<string, string>, args: string[], variable: string) =>
    throws(
      () => readProducerConfig(envFrom(env), args),
      (error) => error instanceof ConfigError && error.variable === variable,
      variable,
    );
  bad({}, ["--rate", "fast"], "--rate");
  bad({}, ["--duplicate-ratio", "1.5"], "--duplicate-ratio");
  bad({}, ["--speed", "3"], "arguments");
  bad({ PRODUCER_COUNT: "-1" }, [], "PRODUCER_COUNT");
  bad({ KAFKA_BROKERS: "localhost" }, [], "KAFKA_BROKERS");
  bad(
    { PRODUCER_MIN_INTERVAL_MS: "500", PRODUCER_MAX_INTERVAL_MS: "100" },
    [],
    "PRODUCER_MAX_INTERVAL_MS",
  );
});
