/**
 * Configuration of the local infrastructure, read from the same environment variables the
 * services read, so one set of variables describes the whole system.
 *
 * @module
 */
import {
  ConfigError,
  envFrom,
  envHostPorts,
  envInt,
  envPort,
  type EnvSource,
  envString,
  envUrl,
} from "@sentiment/kit/config";
import { TOPIC_DEFAULTS } from "@sentiment/contracts/messages";
import { DATABASE_URL, KAFKA_BROKERS, REDIS_URL } from "@sentiment/kit/shared_settings";
import { readTopicRetention, type TopicKind, type TopicRetention } from "./topic_retention.ts";

// The services' defaults, so that `up` starts the infrastructure where they look for it.
export const DEFAULT_DATABASE_URL = DATABASE_URL.default;
export const DEFAULT_REDIS_URL = REDIS_URL.default;
export const DEFAULT_KAFKA_BROKERS = KAFKA_BROKERS.default;

export interface InfraSettings {
  kafkaBrokers: string[];
  /** False when KAFKA_BROKERS was set: then Kafka is the user's and must already be running. */
  kafkaIsDefault: boolean;
  kafkaControllerPort: number;
  /** KAFKA_NODES: how many local brokers `infra start` runs (1, or a cluster of several). */
  kafkaNodes: number;
  /** Replicas of each created topic: 3 (or every node, when fewer) in a cluster, else 1. */
  kafkaReplicationFactor: number;
  /** A write is acknowledged once this many replicas have it (min.insync.replicas). */
  kafkaMinInsyncReplicas: number;
  kafkaPartitions: number;
  /** Per node: a cluster's three JVMs share the machine, so their default is smaller. */
  kafkaHeapMb: number;
  topics: { raw: string; processed: string; deadLetter: string };
  /** retention.ms / retention.bytes of each kind of topic (topic_retention.ts). */
  topicRetention: Record<TopicKind, TopicRetention>;
  databaseUrl: string;
  databaseIsDefault: boolean;
  redisUrl: string;
  redisIsDefault: boolean;
}

export function readInfraSettings(env: EnvSource = Deno.env): InfraSettings {
  const kafkaNodes = envInt(env, "KAFKA_NODES", 1, { min: 1, max: 9 });
  const kafkaPort = envPort(env, "KAFKA_PORT", 9092);
  const kafkaBrokers = envHostPorts(env, "KAFKA_BROKERS", clusterBrokers(kafkaNodes, kafkaPort));
  const kafkaReplicationFactor = Math.min(kafkaNodes, 3);
  const databaseUrl = envUrl(env, "DATABASE_URL", DEFAULT_DATABASE_URL, [
    "postgres:",
    "postgresql:",
  ]);
  const redisUrl = envUrl(env, "REDIS_URL", DEFAULT_REDIS_URL, ["redis:"]);
  checkUrlPort("DATABASE_URL", databaseUrl);
  checkUrlPort("REDIS_URL", redisUrl);
  return {
    kafkaBrokers,
    kafkaIsDefault: env.get("KAFKA_BROKERS") === undefined,
    kafkaControllerPort: envPort(env, "KAFKA_CONTROLLER_PORT", 9093),
    kafkaNodes,
    kafkaReplicationFactor,
    // One replica may be down (a broker restarting) and writes still need two copies.
    kafkaMinInsyncReplicas: Math.max(1, kafkaReplicationFactor - 1),
    kafkaPartitions: envInt(env, "KAFKA_PARTITIONS", 6, { min: 1, max: 1000 }),
    kafkaHeapMb: envInt(env, "KAFKA_HEAP_MB", kafkaNodes > 1 ? 384 : 1024, {
      min: 256,
      max: 16384,
    }),
    topics: {
      raw: envString(env, TOPIC_DEFAULTS.raw.env, TOPIC_DEFAULTS.raw.name),
      processed: envString(env, TOPIC_DEFAULTS.processed.env, TOPIC_DEFAULTS.processed.name),
      deadLetter: envString(env, TOPIC_DEFAULTS.deadLetter.env, TOPIC_DEFAULTS.deadLetter.name),
    },
    topicRetention: readTopicRetention(env),
    databaseUrl,
    databaseIsDefault: env.get("DATABASE_URL") === undefined,
    redisUrl,
    redisIsDefault: env.get("REDIS_URL") === undefined,
  };
}

/**
 * The local brokers' addresses: node n (from 0) listens on KAFKA_PORT + 2n (9092 + 2n), its
 * controller on KAFKA_CONTROLLER_PORT + 2n (9093 + 2n), so a cluster's ports are 9092-9097
 * and one node keeps 9092.
 */
export function clusterBrokers(nodes: number, port = 9092): string[] {
  return Array.from({ length: nodes }, (_, n) => `127.0.0.1:${port + 2 * n}`);
}

/**
 * What `up` adds to each service's environment: a local cluster's every broker, so that a
 * service bootstraps from any node that is up and its permissions allow each one.
 */
export function serviceKafkaEnv(settings: InfraSettings): Record<string, string> {
  return settings.kafkaNodes > 1 && settings.kafkaIsDefault
    ? { KAFKA_BROKERS: settings.kafkaBrokers.join(",") }
    : {};
}

/** `new URL` accepts ports it cannot use (e.g. `:99999` throws, `:abc` throws) — say which. */
function checkUrlPort(variable: string, url: string): void {
  const port = new URL(url).port;
  if (port !== "" && (Number(port) < 1 || Number(port) > 65_535)) {
    throw new ConfigError(variable, `port ${port} is outside 1..65535`);
  }
}

export function hostPort(address: string): { hostname: string; port: number } {
  const index = address.lastIndexOf(":");
  return {
    hostname: address.slice(0, index).replace(/^\[|\]$/g, ""),
    port: Number(address.slice(index + 1)),
  };
}

export function urlHostPort(url: string, defaultPort: number): { hostname: string; port: number } {
  const parsed = new URL(url);
  return {
    hostname: parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1",
    port: parsed.port === "" ? defaultPort : Number(parsed.port),
  };
}

export { envFrom };
