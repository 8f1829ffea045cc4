/**
 * The producer's settings: environment variables, each overridable by a command-line flag.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { bool, ConfigError, type EnvSource, int, number, port, text } from "@sentiment/kit/config";
import type { LogLevel } from "@sentiment/kit/log";
import { readSettings, type SettingsTable } from "@sentiment/kit/settings";
import { KAFKA_BROKERS, LOG_LEVEL, topicSetting } from "@sentiment/kit/shared_settings";
import { TOPIC_DEFAULTS } from "@sentiment/contracts/messages";

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

/** Every variable the producer reads: the one source of names, defaults and checks. */
export const PRODUCER_SETTINGS = {
  brokers: KAFKA_BROKERS,
  topic: topicSetting("raw"),
  clientId: {
    name: "PRODUCER_CLIENT_ID",
    default: "producer",
    parse: text(),
    doc: "Kafka client id",
  },
  rate: {
    name: "PRODUCER_RATE",
    default: undefined as number | undefined,
    parse: number({ min: 0.001, max: 1_000_000 }),
    doc: "comments per second at a steady pace; unset: a random 100 ms – 10 s interval",
  },
  burst: {
    name: "PRODUCER_BURST",
    default: false,
    parse: bool(),
    doc: "as fast as possible, for load tests",
  },
  count: {
    name: "PRODUCER_COUNT",
    default: undefined as number | undefined,
    parse: int({ min: 0 }),
    doc: "stop after this many messages; unset: until stopped",
  },
  duplicateRatio: {
    name: "PRODUCER_DUPLICATE_RATIO",
    default: 0.05,
    parse: number({ min: 0, max: 1 }),
    doc: "share of messages that re-send an earlier comment",
  },
  seed: {
    name: "PRODUCER_SEED",
    default: undefined as number | undefined,
    parse: int({ min: 0, max: 0xffff_ffff }),
    doc: "seed of the comment sequence; random (and logged) when unset",
  },
  minIntervalMs: {
    name: "PRODUCER_MIN_INTERVAL_MS",
    default: 100,
    parse: int({ min: 0 }),
    doc: "shortest random interval",
  },
  maxIntervalMs: {
    name: "PRODUCER_MAX_INTERVAL_MS",
    default: 10_000,
    parse: int({ min: 0 }),
    doc: "longest random interval",
  },
  batchSize: {
    name: "PRODUCER_BATCH_SIZE",
    default: 500,
    parse: int({ min: 1, max: 100_000 }),
    doc: "most messages in one produce request",
  },
  maxPending: {
    name: "PRODUCER_MAX_PENDING",
    default: undefined as number | undefined,
    // At least PRODUCER_BATCH_SIZE: checked by readProducerConfig, which knows it.
    parse: int(),
    doc: "comments held while Kafka is away; generation waits beyond it",
    shownDefault: "2 × PRODUCER_BATCH_SIZE",
  },
  retryMaxMs: {
    name: "PRODUCER_RETRY_MAX_MS",
    default: 5_000,
    parse: int({ min: 10 }),
    doc: "longest pause between attempts while Kafka is unavailable",
  },
  shutdownTimeoutMs: {
    name: "PRODUCER_SHUTDOWN_TIMEOUT_MS",
    default: 10_000,
    parse: int({ min: 0 }),
    doc: "at stop: how long to wait for Kafka to take what is queued",
  },
  truthFile: {
    name: "PRODUCER_TRUTH_FILE",
    default: undefined as string | undefined,
    parse: text(),
    doc: "JSON-lines file receiving each message's true class",
  },
  summaryIntervalMs: {
    name: "PRODUCER_SUMMARY_INTERVAL_MS",
    default: 10_000,
    parse: int({ min: 100 }),
    doc: "period of the info-level summary line",
  },
  healthHost: {
    name: "PRODUCER_HEALTH_HOST",
    default: "127.0.0.1",
    parse: text(),
    doc: "address of /healthz and /metrics",
  },
  healthPort: {
    name: "PRODUCER_HEALTH_PORT",
    default: 3003,
    parse: port(),
    doc: "port of /healthz and /metrics",
  },
  logLevel: LOG_LEVEL,
} satisfies SettingsTable;

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
  const values = readSettings(PRODUCER_SETTINGS, env);
  if (values.maxIntervalMs < values.minIntervalMs) {
    throw new ConfigError(
      "PRODUCER_MAX_INTERVAL_MS",
      `${values.maxIntervalMs} is below PRODUCER_MIN_INTERVAL_MS (${values.minIntervalMs})`,
    );
  }
  const maxPending = values.maxPending === undefined
    ? values.batchSize * 2
    : int({ min: values.batchSize })(String(values.maxPending), "PRODUCER_MAX_PENDING");
  return { ...values, maxPending };
}
