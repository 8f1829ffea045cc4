/**
 * Run 1, the transport ceiling: kafkajs under Deno consuming a topic and producing every
 * message to another topic with no other work. The producer has the consumer service's own
 * settings (idempotent, acks from all in-sync replicas), so the figure bounds what the pipeline
 * could reach with its delivery guarantees.
 *
 * @module
 */
import { Kafka, logLevel } from "kafkajs";
import { createTopicsWithLeaders, infraConfig } from "@sentiment/testkit";
import { deleteTopics, topicSize } from "./kafka.ts";
import { round } from "./processes.ts";

export interface TransportResult {
  messages: number;
  seconds: number;
  perSecond: number;
  /** Seconds from subscribing to the first message (group join), not in the rate. */
  joinSeconds: number;
}

export async function runTransport(
  source: string,
  say: (line: string) => void,
): Promise<TransportResult> {
  const kafka = new Kafka({
    clientId: "bench-transport",
    brokers: infraConfig().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const target = `bench-transport-${crypto.randomUUID().slice(0, 8)}`;
  const groupId = `bench-transport-${crypto.randomUUID().slice(0, 8)}`;
  await createTopicsWithLeaders(admin, [{ topic: target, numPartitions: 6, replicationFactor: 1 }]);
  const total = await topicSize(admin, source);
  // The consumer service's fetch sizes and producer settings.
  const consumer = kafka.consumer({
    groupId,
    maxBytesPerPartition: 1_048_576,
    maxBytes: 10_485_760,
    maxWaitTimeInMs: 1_000,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await Promise.all([consumer.connect(), producer.connect()]);
    await consumer.subscribe({ topic: source, fromBeginning: true });
    let copied = 0;
    let firstAt = 0;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => finish = resolve);
    const subscribedAt = performance.now();
    const progress = setInterval(() => say(`  copied ${copied} of ${total}`), 2_000);
    await consumer.run({
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        if (firstAt === 0) firstAt = performance.now();
        if (batch.messages.length === 0) return;
        await producer.send({
          topic: target,
          acks: -1,
          messages: batch.messages.map((m) => ({ key: m.key, value: m.value })),
        });
        copied += batch.messages.length;
        if (copied >= total) finish();
      },
    });
    await done;
    clearInterval(progress);
    const seconds = (performance.now() - firstAt) / 1000;
    return {
      messages: copied,
      seconds: round(seconds, 2),
      perSecond: round(copied / seconds),
      joinSeconds: round((firstAt - subscribedAt) / 1000, 2),
    };
  } finally {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
    await deleteTopics(kafka, [target]);
  }
}
