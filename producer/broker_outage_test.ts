/**
 * The real producer process against a broker of the test's own that is killed (kill -9) while
 * the producer runs: nothing the producer generated may be lost, whether the broker comes back
 * (everything is sent) or not before the producer is stopped (exactly what was not sent is
 * reported).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import {
  createTopicsWithLeaders,
  eventually,
  freePort,
  integrationTest,
  logRecords,
  type PrivateKafka,
  startPrivateKafka,
  startService,
} from "@sentiment/testkit";
import { createCommentGenerator } from "./generator.ts";

const TOPIC = "raw-outage";

function client(kafka: PrivateKafka) {
  return new Kafka({ clientId: "outage-test", brokers: kafka.brokers, logLevel: logLevel.NOTHING });
}

async function createTopic(kafka: PrivateKafka): Promise<void> {
  const admin = client(kafka).admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, [{
      topic: TOPIC,
      numPartitions: 3,
      replicationFactor: 1,
    }]);
  } finally {
    await admin.disconnect();
  }
}

/** Every key on the topic, read until `enough` says so. */
async function landedKeys(kafka: PrivateKafka, enough: (keys: Set<string>) => boolean) {
  const consumer = client(kafka).consumer({ groupId: `outage-${crypto.randomUUID()}` });
  const keys = new Set<string>();
  let messages = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        messages++;
        if (message.key) keys.add(message.key.toString());
        return Promise.resolve();
      },
    });
    await eventually(() => enough(keys) ? true : undefined, 90_000, "the expected keys");
  } finally {
    await consumer.disconnect();
  }
  return { keys, messages };
}

/** The distinct ids the producer generates for `seed` in `count` messages. */
function generatedIds(seed: number, count: number, duplicateRatio: number): Set<string> {
  const generator = createCommentGenerator({ seed, duplicateRatio });
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) ids.add(generator.next().comment.commentId);
  return ids;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

integrationTest(
  "broker killed for 10 s while 20 000 comments are produced: every comment lands, none dropped",
  async () => {
    await using kafka = await startPrivateKafka();
    await createTopic(kafka);
    const count = 20_000;
    const expected = generatedIds(31, count, 0.05);
    const producer = startService("producer", {
      KAFKA_BROKERS: kafka.brokers.join(","),
      KAFKA_TOPIC_RAW: TOPIC,
      PRODUCER_RETRY_MAX_MS: "1000",
      PRODUCER_HEALTH_PORT: String(await freePort()),
    }, { args: ["--rate", "2000", "--count", String(count), "--seed", "31"] });
    await producer.waitForLog((_line, record) => record?.message === "Producer started");
    await sleep(2_000);
    await kafka.kill();
    await producer.waitForLog(
      (_line, record) =>
        record?.message === "Kafka is unavailable; holding the comments and sending them again",
      30_000,
    );
    await sleep(10_000);
    await kafka.start();
    const status = await producer.status;
    assertEquals(status.code, 0, producer.lines.slice(-15).join("\n"));
    const final = logRecords(producer.lines).find((record) => record.message === "Final summary");
    ok(final, "a final summary");
    assertEquals([final.published, final.refused, final.notSent], [count, 0, 0]);
    ok(
      logRecords(producer.lines).some((record) =>
        record.message === "Kafka is back; sending the held comments"
      ),
    );
    const { keys } = await landedKeys(kafka, (keys) => keys.size >= expected.size);
    assertEquals(keys, expected);
  },
);

integrationTest(
  "stopped while the broker is still down: the producer reports every id Kafka did not acknowledge; none logged as not sent is on the topic",
  async () => {
    await using kafka = await startPrivateKafka();
    await createTopic(kafka);
    const producer = startService("producer", {
      KAFKA_BROKERS: kafka.brokers.join(","),
      KAFKA_TOPIC_RAW: TOPIC,
      PRODUCER_RETRY_MAX_MS: "500",
      PRODUCER_SHUTDOWN_TIMEOUT_MS: "1000",
      PRODUCER_HEALTH_PORT: String(await freePort()),
    }, { args: ["--rate", "500", "--seed", "32", "--duplicate-ratio", "0"] });
    await producer.waitForLog((_line, record) => record?.message === "Producer started");
    await sleep(1_500);
    await kafka.kill();
    await producer.waitForLog(
      (_line, record) =>
        record?.message === "Kafka is unavailable; holding the comments and sending them again",
      30_000,
    );
    await sleep(2_000);
    producer.kill("SIGTERM");
    const status = await producer.status;
    assertEquals(status.code, 1, "an exit code that says not everything was sent");
    const logged = logRecords(producer.lines);
    const final = logged.find((record) => record.message === "Final summary")!;
    const idsLoggedAs = (message: string) =>
      new Set(
        logged.filter((record) => record.message === message).flatMap((record) =>
          record.commentIds as string[]
        ),
      );
    const notSent = idsLoggedAs("Not sent");
    // In the request the broker was killed under: it may or may not have written them.
    const notConfirmed = idsLoggedAs("Not confirmed");
    ok(notSent.size > 0);
    assertEquals(notSent.size + notConfirmed.size, final.notSent);
    // Generated = acknowledged + not acknowledged, each id in one of them.
    const published = final.published as number;
    const generated = generatedIds(32, published + (final.notSent as number), 0);
    const acknowledged = [...generated].filter((id) => !notSent.has(id) && !notConfirmed.has(id));
    assertEquals(acknowledged.length, published);
    await kafka.start();
    const { keys } = await landedKeys(kafka, (keys) => acknowledged.every((id) => keys.has(id)));
    ok([...notSent].every((id) => !keys.has(id)), "an id logged as not sent is on the topic");
    ok([...keys].every((id) => generated.has(id)), "only generated ids are on the topic");
  },
);
