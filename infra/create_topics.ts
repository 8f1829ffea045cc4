/**
 * Creates topics from the command line, for a cluster this process cannot reach from where it
 * runs (one in another network namespace: `ip netns exec NAME deno run -P=infra` this file):
 *   create_topics.ts BROKERS PARTITIONS REPLICAS MIN_INSYNC TOPIC...
 * Exits once every partition has a leader.
 *
 * @module
 */
import { Kafka, logLevel } from "kafkajs";
import { createTopicsWithLeaders, topicConfig } from "./kafka.ts";

if (import.meta.main) {
  const [brokers, partitions, factor, minInsync, ...topics] = Deno.args;
  if (!brokers || topics.length === 0 || ![partitions, factor, minInsync].every(Number)) {
    console.error("usage: create_topics.ts BROKERS PARTITIONS REPLICAS MIN_INSYNC TOPIC...");
    Deno.exit(2);
  }
  const admin = new Kafka({
    clientId: "create-topics",
    brokers: brokers.split(","),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 200 },
  }).admin();
  await admin.connect();
  try {
    const replication = { factor: Number(factor), minInsync: Number(minInsync) };
    await createTopicsWithLeaders(
      admin,
      topics.map((topic) => topicConfig(topic, Number(partitions), replication)),
    );
  } finally {
    await admin.disconnect();
  }
}
