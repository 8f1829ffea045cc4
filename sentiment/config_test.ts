import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ConfigError, envFrom } from "@sentiment/kit/config";
import { readSentimentConfig } from "./config.ts";

Deno.test("defaults: 127.0.0.1:50051, 1 in 32 failures, proto's text limit", () => {
  const config = readSentimentConfig(envFrom({}));
  assertEquals(config, {
    host: "127.0.0.1",
    port: 50051,
    metricsPort: 3004,
    failureRatio: 0.03125,
    failureSeed: undefined,
    maxTextLength: 5_000,
    maxBatchItems: 10_000,
    shutdownGraceMs: 250,
    summaryIntervalMs: 10_000,
    logLevel: "info",
  });
});

Deno.test("every setting can be overridden", () => {
  const config = readSentimentConfig(envFrom({
    SENTIMENT_HOST: "0.0.0.0",
    SENTIMENT_PORT: "6000",
    SENTIMENT_FAILURE_RATIO: "0",
    SENTIMENT_FAILURE_SEED: "7",
    SENTIMENT_MAX_TEXT_LENGTH: "100",
    SENTIMENT_MAX_BATCH_ITEMS: "5",
    LOG_LEVEL: "DEBUG",
  }));
  assertEquals(
    [config.host, config.port, config.failureRatio, config.failureSeed, config.maxTextLength],
    ["0.0.0.0", 6000, 0, 7, 100],
  );
  assertEquals([config.maxBatchItems, config.logLevel], [5, "debug"]);
});

Deno.test("a bad value names its variable", () => {
  const cases: Record<string, string> = {
    SENTIMENT_PORT: "fifty",
    SENTIMENT_FAILURE_RATIO: "2",
    SENTIMENT_FAILURE_SEED: "-1",
    SENTIMENT_MAX_TEXT_LENGTH: "0",
    SENTIMENT_HOST: "a b",
    LOG_LEVEL: "loud",
  };
  for (const [variable, value] of Object.entries(cases)) {
    throws(
      () => readSentimentConfig(envFrom({ [variable]: value })),
      (error) => error instanceof ConfigError && error.variable === variable,
      variable,
    );
  }
});
