/**
 * The settings several services read, with their defaults written once: where Kafka,
 * PostgreSQL and Redis are, the topic names, and the log level.
 *
 * @module
 */
import { ConfigError, hostPorts, text, url } from "./config.ts";
import { LOG_LEVELS, type LogLevel, parseLogLevel } from "./log.ts";
import { TOPIC_DEFAULTS } from "@sentiment/contracts/messages";
import type { Setting } from "./settings.ts";

export const KAFKA_BROKERS: Setting<string[]> = {
  name: "KAFKA_BROKERS",
  default: ["127.0.0.1:9092"],
  parse: hostPorts(),
  doc: "Kafka bootstrap brokers, host:port[,host:port…]",
};

export const DATABASE_URL: Setting<string> = {
  name: "DATABASE_URL",
  default: "postgres://sentiment:sentiment@127.0.0.1:5432/sentiment",
  parse: url(["postgres:", "postgresql:"]),
  doc: "PostgreSQL connection URL",
};

export const REDIS_URL: Setting<string> = {
  name: "REDIS_URL",
  default: "redis://127.0.0.1:6379",
  parse: url(["redis:", "rediss:"]),
  doc: "Redis URL of the dedup keys",
};

export const LOG_LEVEL: Setting<LogLevel> = {
  name: "LOG_LEVEL",
  default: "info",
  parse: (value, name) => {
    const level = parseLogLevel(value);
    if (!level) throw new ConfigError(name, `"${value}" is not one of ${LOG_LEVELS.join(", ")}`);
    return level;
  },
  doc: "lowest level of the lines logged",
};

/** The topic variable of `topic` (raw, processed or deadLetter) with its default name. */
export function topicSetting(topic: keyof typeof TOPIC_DEFAULTS): Setting<string> {
  return {
    name: TOPIC_DEFAULTS[topic].env,
    default: TOPIC_DEFAULTS[topic].name,
    parse: text(),
    doc: `name of the ${TOPIC_DEFAULTS[topic].name} topic`,
  };
}
