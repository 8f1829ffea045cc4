/**
 * Settings of the dead-letter tool, read from the same environment variables the services read,
 * so `deno task dlq` looks at the topics the running pipeline uses.
 *
 * @module
 */
import { envHostPorts, envInt, type EnvSource, envString } from "@sentiment/kit/config";
import { TOPIC_DEFAULTS } from "@sentiment/contracts/messages";
import { KAFKA_BROKERS } from "@sentiment/kit/shared_settings";

export interface DlqConfig {
  kafkaBrokers: string[];
  /** Where replayed messages go: the consumer's input topic. */
  rawTopic: string;
  deadLetterTopic: string;
  /** Compacted topic recording which dead letters were replayed, keyed by their position. */
  replaysTopic: string;
  /** Longest wait for reading a topic to its end before giving up. */
  readTimeoutMs: number;
}

/** Reads and checks the settings; throws ConfigError naming the first bad variable. */
export function readDlqConfig(env: EnvSource): DlqConfig {
  const deadLetterTopic = envString(
    env,
    TOPIC_DEFAULTS.deadLetter.env,
    TOPIC_DEFAULTS.deadLetter.name,
  );
  return {
    kafkaBrokers: envHostPorts(env, KAFKA_BROKERS.name, KAFKA_BROKERS.default),
    rawTopic: envString(env, TOPIC_DEFAULTS.raw.env, TOPIC_DEFAULTS.raw.name),
    deadLetterTopic,
    // Derived from the dead-letter topic so that each dead-letter topic (and each test's private
    // one) has its own record of replays.
    replaysTopic: envString(
      env,
      "KAFKA_TOPIC_DLQ_REPLAYS",
      `${deadLetterTopic}-replays`,
    ),
    readTimeoutMs: envInt(env, "DLQ_READ_TIMEOUT_MS", 60_000, { min: 1_000 }),
  };
}
