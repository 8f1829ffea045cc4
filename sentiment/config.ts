/**
 * The sentiment service's settings, read from environment variables.
 *
 * @module
 */
import { ConfigError, type EnvSource, int, number, type Parse, port } from "@sentiment/kit/config";
import type { LogLevel } from "@sentiment/kit/log";
import { DEFAULT_MAX_TEXT_LENGTH } from "@sentiment/contracts/messages";
import { readSettings, type SettingsTable } from "@sentiment/kit/settings";
import { LOG_LEVEL } from "@sentiment/kit/shared_settings";

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

const hostName = (): Parse<string> => (value, name) => {
  if (/\s|\//.test(value)) throw new ConfigError(name, `"${value}" is not a host name`);
  return value;
};

/** Every variable the service reads: the one source of names, defaults and checks. */
export const SENTIMENT_SETTINGS = {
  host: {
    name: "SENTIMENT_HOST",
    default: "127.0.0.1",
    parse: hostName(),
    doc: "address the gRPC server and the metrics endpoint bind",
  },
  port: { name: "SENTIMENT_PORT", default: 50051, parse: port(), doc: "gRPC port" },
  metricsPort: {
    name: "SENTIMENT_METRICS_PORT",
    default: 3004,
    parse: port(),
    doc: "port of /healthz and /metrics",
  },
  failureRatio: {
    name: "SENTIMENT_FAILURE_RATIO",
    default: 1 / 32,
    parse: number({ min: 0, max: 1 }),
    doc: "share of requests failed on purpose with UNAVAILABLE (0 disables)",
  },
  failureSeed: {
    name: "SENTIMENT_FAILURE_SEED",
    default: undefined as number | undefined,
    parse: int({ min: 0, max: 0xffff_ffff }),
    doc: "seed of the failure sequence; random when unset",
  },
  maxTextLength: {
    name: "SENTIMENT_MAX_TEXT_LENGTH",
    default: DEFAULT_MAX_TEXT_LENGTH,
    parse: int({ min: 1, max: 1_000_000 }),
    doc: "longest text accepted (longer: INVALID_ARGUMENT)",
  },
  maxBatchItems: {
    name: "SENTIMENT_MAX_BATCH_ITEMS",
    default: 10_000,
    parse: int({ min: 1, max: 1_000_000 }),
    doc: "most items one batch call may carry",
  },
  shutdownGraceMs: {
    name: "SENTIMENT_SHUTDOWN_GRACE_MS",
    default: 250,
    parse: int({ min: 0, max: 60_000 }),
    doc: "how long a stop lets written answers reach their sockets",
  },
  summaryIntervalMs: {
    name: "SENTIMENT_SUMMARY_INTERVAL_MS",
    default: 10_000,
    parse: int({ min: 100 }),
    doc: "period of the info-level summary line",
  },
  logLevel: LOG_LEVEL,
} satisfies SettingsTable;

/** Reads the configuration; throws {@link ConfigError} naming the first bad variable. */
export function readSentimentConfig(env: EnvSource): SentimentConfig {
  return readSettings(SENTIMENT_SETTINGS, env);
}
