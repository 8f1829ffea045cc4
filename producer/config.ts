/**
 * The producer's settings: environment variables, each overridable by a command-line flag.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  ConfigError,
  envBool,
  envHostPorts,
  envInt,
  envNumber,
  envPort,
  type EnvSource,
  envString,
} from "@sentiment/proto/config";
import { type LogLevel, parseLogLevel } from "@sentiment/proto/log";
import { TOPIC_DEFAULTS } from "@sentiment/proto/messages";

/** Everything a producer run needs. */
export interface ProducerConfig {
  brokers: string[];
  topic: string;
  clientId: string;
  /** Comments per second at a steady pace; unset means the random 100 ms – 10 s pace. */
  rate?: number;
  /** As fast as possible (overrides rate and pace). */
  burst: boolean;
  /** Stop after this many messages (duplicates included); unset runs until a signal. */
  count?: number;
  /** Share of messages that re-send an earlier comment, 0..1. */
  duplicateRatio: number;
  /** Seed of the comment sequence; random (and logged) when unset. */
  seed?: number;
  minIntervalMs: number;
  maxIntervalMs: number;
  /** Most messages in one produce request. */
  batchSize: number;
  /** Comments held at most (queued while Kafka is away); generation waits beyond it. */
  maxPending: number;
  /** Longest pause between attempts while Kafka is unavailable. */
  retryMaxMs: number;
  /** At stop, how long to wait for Kafka to take what is still queued. */
  shutdownTimeoutMs: number;
  /** JSON-lines file receiving each message's true class; none when unset. */
  truthFile?: string;
  summaryIntervalMs: number;
  /** Where `/healthz` and `/metrics` are served. */
  healthHost: string;
  healthPort: number;
  logLevel: LogLevel;
}

/** Flag → the variable it overrides. */
export const FLAGS = {
  rate: "PRODUCER_RATE",
  count: "PRODUCER_COUNT",
  burst: "PRODUCER_BURST",
  "duplicate-ratio": "PRODUCER_DUPLICATE_RATIO",
  seed: "PRODUCER_SEED",
  "truth-file": "PRODUCER_TRUTH_FILE",
  topic: TOPIC_DEFAULTS.raw.env,
  brokers: "KAFKA_BROKERS",
} as const;

/** Variables read, with defaults, for the README and the permission list. */
export const PRODUCER_ENV = {
  KAFKA_BROKERS: "127.0.0.1:9092",
  [TOPIC_DEFAULTS.raw.env]: TOPIC_DEFAULTS.raw.name,
  PRODUCER_CLIENT_ID: "producer",
  PRODUCER_RATE: "(unset: random 100 ms – 10 s pace)",
  PRODUCER_BURST: "false",
  PRODUCER_COUNT: "(unset: run until stopped)",
  PRODUCER_DUPLICATE_RATIO: "0.05",
  PRODUCER_SEED: "(random)",
  PRODUCER_MIN_INTERVAL_MS: "100",
  PRODUCER_MAX_INTERVAL_MS: "10000",
  PRODUCER_BATCH_SIZE: "500",
  PRODUCER_MAX_PENDING: "2 × PRODUCER_BATCH_SIZE",
  PRODUCER_RETRY_MAX_MS: "5000",
  PRODUCER_SHUTDOWN_TIMEOUT_MS: "10000",
  PRODUCER_TRUTH_FILE: "(unset: none)",
  PRODUCER_SUMMARY_INTERVAL_MS: "10000",
  PRODUCER_HEALTH_HOST: "127.0.0.1",
  PRODUCER_HEALTH_PORT: "3003",
  LOG_LEVEL: "info",
} as const;

const present = (env: EnvSource, name: string) => (env.get(name)?.trim() ?? "") !== "";

/**
 * Reads flags over the environment; throws {@link ConfigError} naming the flag or variable.
 */
export function readProducerConfig(env: EnvSource, args: string[] = []): ProducerConfig {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        rate: { type: "string" },
        count: { type: "string" },
        burst: { type: "boolean" },
        "duplicate-ratio": { type: "string" },
        seed: { type: "string" },
        "truth-file": { type: "string" },
        topic: { type: "string" },
        brokers: { type: "string" },
      },
    }).values;
  } catch (error) {
    throw new ConfigError("arguments", (error as Error).message);
  }
  const overrides = new Map<string, { flag: string; value: string }>();
  for (const [flag, variable] of Object.entries(FLAGS)) {
    const value = flags[flag];
    if (value !== undefined) overrides.set(variable, { flag: `--${flag}`, value: String(value) });
  }
  const merged: EnvSource = { get: (name) => overrides.get(name)?.value ?? env.get(name) };
  try {
    return read(merged);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const override = overrides.get(error.variable);
    if (!override) throw error;
    throw new ConfigError(override.flag, error.message.slice(error.variable.length + 2));
  }
}

function read(env: EnvSource): ProducerConfig {
  const logLevelText = envString(env, "LOG_LEVEL", "info");
  const logLevel = parseLogLevel(logLevelText);
  if (!logLevel) {
    throw new ConfigError("LOG_LEVEL", `"${logLevelText}" is not one of debug, info, warn, error`);
  }
  const minIntervalMs = envInt(env, "PRODUCER_MIN_INTERVAL_MS", 100, { min: 0 });
  const maxIntervalMs = envInt(env, "PRODUCER_MAX_INTERVAL_MS", 10_000, { min: 0 });
  if (maxIntervalMs < minIntervalMs) {
    throw new ConfigError(
      "PRODUCER_MAX_INTERVAL_MS",
      `${maxIntervalMs} is below PRODUCER_MIN_INTERVAL_MS (${minIntervalMs})`,
    );
  }
  const truthFile = envString(env, "PRODUCER_TRUTH_FILE", "");
  const batchSize = envInt(env, "PRODUCER_BATCH_SIZE", 500, { min: 1, max: 100_000 });
  return {
    brokers: envHostPorts(env, "KAFKA_BROKERS", ["127.0.0.1:9092"]),
    topic: envString(env, TOPIC_DEFAULTS.raw.env, TOPIC_DEFAULTS.raw.name),
    clientId: envString(env, "PRODUCER_CLIENT_ID", "producer"),
    rate: present(env, "PRODUCER_RATE")
      ? envNumber(env, "PRODUCER_RATE", 1, { min: 0.001, max: 1_000_000 })
      : undefined,
    burst: envBool(env, "PRODUCER_BURST", false),
    count: present(env, "PRODUCER_COUNT")
      ? envInt(env, "PRODUCER_COUNT", 0, { min: 0 })
      : undefined,
    duplicateRatio: envNumber(env, "PRODUCER_DUPLICATE_RATIO", 0.05, { min: 0, max: 1 }),
    seed: present(env, "PRODUCER_SEED")
      ? envInt(env, "PRODUCER_SEED", 0, { min: 0, max: 0xffff_ffff })
      : undefined,
    minIntervalMs,
    maxIntervalMs,
    batchSize,
    maxPending: envInt(env, "PRODUCER_MAX_PENDING", batchSize * 2, { min: batchSize }),
    retryMaxMs: envInt(env, "PRODUCER_RETRY_MAX_MS", 5_000, { min: 10 }),
    shutdownTimeoutMs: envInt(env, "PRODUCER_SHUTDOWN_TIMEOUT_MS", 10_000, { min: 0 }),
    truthFile: truthFile === "" ? undefined : truthFile,
    summaryIntervalMs: envInt(env, "PRODUCER_SUMMARY_INTERVAL_MS", 10_000, { min: 100 }),
    healthHost: envString(env, "PRODUCER_HEALTH_HOST", "127.0.0.1"),
    healthPort: envPort(env, "PRODUCER_HEALTH_PORT", 3003),
    logLevel,
  };
}
