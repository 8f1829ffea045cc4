import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { ConsumerConfig as KafkajsConsumerConfig, Kafka } from "kafkajs";
import { createLogger } from "@sentiment/kit/log";
import { KafkaIntake } from "./kafka_intake.ts";

/** A Kafka client that only records what its consumer was asked for. */
function recordingKafka(): { kafka: Kafka; asked: KafkajsConsumerConfig[] } {
  const asked: KafkajsConsumerConfig[] = [];
  const kafka = {
    consumer(config: KafkajsConsumerConfig) {
      asked.push(config);
      return { on: () => () => {}, events: {} };
    },
  } as unknown as Kafka;
  return { kafka, asked };
}

const quiet = createLogger("consumer", "error", () => {});

Deno.test("the fetch waits at the broker as configured", () => {
  const { kafka, asked } = recordingKafka();
  new KafkaIntake(kafka, "g", "raw", quiet, 30_000, 60_000, { minBytes: 32_768, maxWaitMs: 10 });
  assertEquals(asked[0].minBytes, 32_768);
  assertEquals(asked[0].maxWaitTimeInMs, 10);
  assertEquals(asked[0].maxBytes, 2_097_152);
});

Deno.test("without fetch settings a fetch answers at the first byte", () => {
  const { kafka, asked } = recordingKafka();
  new KafkaIntake(kafka, "g", "raw", quiet);
  assertEquals(asked[0].minBytes, 1);
  assertEquals(asked[0].maxWaitTimeInMs, 1_000);
});
