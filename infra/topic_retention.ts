/**
 * Explicit retention of the project's Kafka topics, so that disk use is bounded by what the
 * topics are for instead of by the broker's default (7 days, no size limit):
 *
 * - raw-comments: the buffer in front of the consumers. It must outlast a consumer outage (a
 *   weekend: 3 days); what was consumed is in PostgreSQL.
 * - processed-comments: the live feed of the api, which resumes from PostgreSQL by seq, so a
 *   day is plenty.
 * - dead-letter-queue: what an operator must look at and may replay: kept longest (30 days).
 *
 * Each also has a size limit per partition (`retention.bytes`): whichever limit is reached first
 * removes the oldest segment. Both are set when a topic is created and put back on an existing
 * topic whose values differ, so `deno task infra start` brings an older stack in line.
 *
 * @module
 */
import { type Admin, ConfigResourceTypes, type IResourceConfigEntry } from "kafkajs";
import { envInt, type EnvSource } from "@sentiment/kit/config";

/** One topic's limits: the oldest segment goes when either is passed. */
export interface TopicRetention {
  retentionMs: number;
  /** Per partition, as Kafka counts it. */
  retentionBytes: number;
}

export type TopicKind = "raw" | "processed" | "deadLetter";

const HOUR_MS = 3_600_000;
const GIB = 2 ** 30;

/** The defaults, and the variables that override them. */
export const TOPIC_RETENTION: Readonly<
  Record<TopicKind, TopicRetention & { msEnv: string; bytesEnv: string }>
> = {
  raw: {
    retentionMs: 72 * HOUR_MS,
    retentionBytes: 8 * GIB,
    msEnv: "KAFKA_RAW_RETENTION_MS",
    bytesEnv: "KAFKA_RAW_RETENTION_BYTES",
  },
  processed: {
    retentionMs: 24 * HOUR_MS,
    retentionBytes: 2 * GIB,
    msEnv: "KAFKA_PROCESSED_RETENTION_MS",
    bytesEnv: "KAFKA_PROCESSED_RETENTION_BYTES",
  },
  deadLetter: {
    retentionMs: 30 * 24 * HOUR_MS,
    retentionBytes: 4 * GIB,
    msEnv: "KAFKA_DLQ_RETENTION_MS",
    bytesEnv: "KAFKA_DLQ_RETENTION_BYTES",
  },
};

/** Reads the retention of each kind of topic (a bad value is a ConfigError naming it). */
export function readTopicRetention(env: EnvSource): Record<TopicKind, TopicRetention> {
  const read = (kind: TopicKind): TopicRetention => {
    const defaults = TOPIC_RETENTION[kind];
    return {
      // At least a minute and a megabyte: smaller values delete data the consumers still need.
      retentionMs: envInt(env, defaults.msEnv, defaults.retentionMs, { min: 60_000 }),
      retentionBytes: envInt(env, defaults.bytesEnv, defaults.retentionBytes, { min: 2 ** 20 }),
    };
  };
  return { raw: read("raw"), processed: read("processed"), deadLetter: read("deadLetter") };
}

/** The topic configs Kafka takes. */
export function retentionConfigEntries(retention: TopicRetention): IResourceConfigEntry[] {
  return [
    { name: "retention.ms", value: String(retention.retentionMs) },
    { name: "retention.bytes", value: String(retention.retentionBytes) },
  ];
}

/**
 * Sets the retention of existing topics whose values differ; returns the topics changed. Uses
 * AlterConfigs, which also resets the topic's other dynamic configs: these topics have none.
 */
export async function applyTopicRetention(
  admin: Admin,
  retention: ReadonlyMap<string, TopicRetention>,
): Promise<string[]> {
  if (retention.size === 0) return [];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [...retention.keys()].map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ["retention.ms", "retention.bytes"],
    })),
  });
  const differ = [...retention].filter(([name, wanted]) => {
    const entries = resources.find((resource) => resource.resourceName === name)?.configEntries ??
      [];
    const value = (key: string) => entries.find((entry) => entry.configName === key)?.configValue;
    return value("retention.ms") !== String(wanted.retentionMs) ||
      value("retention.bytes") !== String(wanted.retentionBytes);
  });
  if (differ.length === 0) return [];
  await admin.alterConfigs({
    validateOnly: false,
    resources: differ.map(([name, wanted]) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configEntries: retentionConfigEntries(wanted),
    })),
  });
  return differ.map(([name]) => name);
}
