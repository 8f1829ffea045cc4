/**
 * The sentiment service's settings, read from environment variables.
 *
 * @module
 */
import {
  ConfigError,
  envInt,
  envNumber,
  envPort,
  type EnvSource,
  envString,
} from "@sentiment/proto/config";
import { DEFAULT_MAX_TEXT_LENGTH } from "@sentiment/proto/messages";
import { type LogLevel, parseLogLevel } from "@sentiment/proto/log";

/** Everything the service needs to start. */
export interface SentimentConfig {
  host: string;
  port: number;
  /** HTTP port of `/healthz` and `/metrics` (on the same host as gRPC). */
  metricsPort: number;
  /** Share of requests (or batch items) failed on purpose with UNAVAILABLE; 0 disables. */
  failureRatio: number;
  /** Seed of the failure sequence, for reproducible tests; random when unset. */
  failureSeed?: number;
  /** Longest text accepted; longer texts get INVALID_ARGUMENT. */
  maxTextLength: number;
  /** Most items one batch call may carry; more is INVALID_ARGUMENT for the whole call. */
  maxBatchItems: number;
  /** How long a shutdown lets answers already written reach their sockets before exiting. */
  shutdownGraceMs: number;
  /** Period of the info-level summary line. */
  summaryIntervalMs: number;
  logLevel: LogLevel;
}

/** The variables the service reads, with their defaults, for the README and permissions. */
export const SENTIMENT_ENV = {
  SENTIMENT_HOST: "127.0.0.1",
  SENTIMENT_PORT: "50051",
  SENTIMENT_METRICS_PORT: "3004",
  SENTIMENT_FAILURE_RATIO: "0.03125",
  SENTIMENT_FAILURE_SEED: "(random)",
  SENTIMENT_MAX_TEXT_LENGTH: String(DEFAULT_MAX_TEXT_LENGTH),
  SENTIMENT_MAX_BATCH_ITEMS: "10000",
  SENTIMENT_SHUTDOWN_GRACE_MS: "250",
  SENTIMENT_SUMMARY_INTERVAL_MS: "10000",
  LOG_LEVEL: "info",
} as const;

/** Reads the configuration; throws {@link ConfigError} naming the first bad variable. */
export function readSentimentConfig(env: EnvSource): SentimentConfig {
  const host = envString(env, "SENTIMENT_HOST", "127.0.0.1");
  if (/\s|\//.test(host)) throw new ConfigError("SENTIMENT_HOST", `"${host}" is not a host name`);
  const seedText = env.get("SENTIMENT_FAILURE_SEED")?.trim();
  const logLevelText = envString(env, "LOG_LEVEL", "info");
  const logLevel = parseLogLevel(logLevelText);
  if (!logLevel) {
    throw new ConfigError("LOG_LEVEL", `"${logLevelText}" is not one of debug, info, warn, error`);
  }
  return {
    host,
    port: envPort(env, "SENTIMENT_PORT", 50051),
    metricsPort: envPort(env, "SENTIMENT_METRICS_PORT", 3004),
    failureRatio: envNumber(env, "SENTIMENT_FAILURE_RATIO", 1 / 32, { min: 0, max: 1 }),
    failureSeed: seedText
      ? envInt(env, "SENTIMENT_FAILURE_SEED", 0, { min: 0, max: 0xffff_ffff })
      : undefined,
    maxTextLength: envInt(env, "SENTIMENT_MAX_TEXT_LENGTH", DEFAULT_MAX_TEXT_LENGTH, {
      min: 1,
      max: 1_000_000,
    }),
    maxBatchItems: envInt(env, "SENTIMENT_MAX_BATCH_ITEMS", 10_000, { min: 1, max: 1_000_000 }),
    shutdownGraceMs: envInt(env, "SENTIMENT_SHUTDOWN_GRACE_MS", 250, {
      min: 0,
      max: 60_000,
    }),
    summaryIntervalMs: envInt(env, "SENTIMENT_SUMMARY_INTERVAL_MS", 10_000, { min: 100 }),
    logLevel,
  };
}
