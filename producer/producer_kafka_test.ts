/**
 * The real producer process against the real Kafka: what lands on the topic.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { checkRawComment, type RawComment } from "@sentiment/contracts/messages";
import {
  createTestTopics,
  eventually,
  integrationTest,
  logRecords,
  startService,
  testKafka,
} from "@sentiment/testkit";

interface Landed {
  key: string | null;
  value: Uint8Array;
  partition: number;
}

/** Reads `count` messages of a topic from the beginning. */
async function readTopic(topic: string, count: number): Promise<Landed[]> {
  const consumer = testKafka("producer-test").consumer({
    groupId: `producer-test-${crypto.randomUUID()}`,
  });
  const landed: Landed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message, partition }) => {
        landed.push({
          key: message.key?.toString() ?? null,
          value: message.value ?? new Uint8Array(),
          partition,
        });
        return Promise.resolve();
      },
    });
    await eventually(
      () => (landed.length >= count ? true : undefined),
      60_000,
      `${count} messages`,
    );
  } finally {
    await consumer.disconnect();
  }
  return landed;
}

async function produce(topic: string, args: string[]) {
  const producer = startService("producer", { KAFKA_TOPIC_RAW: topic }, { args });
  const status = await producer.status;
  assertEquals(status.code, 0, producer.lines.slice(-10).join("\n"));
  return producer;
}

const N = 3_000;
const RATIO = 0.1;

integrationTest(
  "N comments, valid, keyed by id, with the requested duplicate ratio, reproducible",
  async () => {
    const [first, second] = [await createTestTopics(3), await createTestTopics(3)];
    const args = [
      "--burst",
      "--count",
      String(N),
      "--seed",
      "77",
      "--duplicate-ratio",
      String(RATIO),
    ];
    await produce(first.raw, args);
    await produce(second.raw, args);
    const runs = [await readTopic(first.raw, N), await readTopic(second.raw, N)];

    for (const landed of runs) {
      assertEquals(landed.length, N);
      const byId = new Map<string, string>();
      let duplicates = 0;
      for (const message of landed) {
        const check = checkRawComment(message.value);
        ok(check.ok, `invalid message: ${new TextDecoder().decode(message.value)}`);
        assertEquals(message.key, check.comment.commentId);
        const text = new TextDecoder().decode(message.value);
        const earlier = byId.get(check.comment.commentId);
        if (earlier === undefined) byId.set(check.comment.commentId, text);
        else {
          duplicates++;
          assertEquals(text, earlier, "a duplicate is the same comment sent again");
        }
      }
      // Binomial(3000, 0.1): sd ≈ 16.4; 5 sd either side.
      ok(
        Math.abs(duplicates - N * RATIO) < 5 * Math.sqrt(N * RATIO * (1 - RATIO)),
        `${duplicates} duplicates`,
      );
    }

    // Same seed, same comments: everything but createdAt (the clock), partition by partition.
    const essence = (landed: Landed[]) =>
      landed.map((message) => {
        const { createdAt: _createdAt, ...rest } = JSON.parse(
          new TextDecoder().decode(message.value),
        ) as RawComment;
        return `${message.partition} ${JSON.stringify(rest)}`;
      }).sort();
    assertEquals(essence(runs[0]), essence(runs[1]));
  },
);

integrationTest(
  "the truth file has each published message's class, never the message",
  async () => {
    const topics = await createTestTopics(1);
    const path = `.data/producer/test-${crypto.randomUUID()}.jsonl`;
    await Deno.mkdir(".data/producer", { recursive: true });
    try {
      await produce(topics.raw, ["--burst", "--count", "500", "--seed", "5", "--truth-file", path]);
      const truth = (await Deno.readTextFile(path)).trim().split("\n").map((line) =>
        JSON.parse(line)
      );
      const landed = await readTopic(topics.raw, 500);
      assertEquals(truth.length, 500);
      assertEquals(
        truth.map((record) => record.commentId),
        landed.map((message) => message.key),
      );
      ok(
        truth.every((record) =>
          ["POSITIVE", "NEGATIVE", "NEUTRAL", "UNRELATED"].includes(record.trueTag)
        ),
      );
      ok(landed.every((message) => !new TextDecoder().decode(message.value).includes("trueTag")));
    } finally {
      await Deno.remove(path).catch(() => {});
    }
  },
);

integrationTest("SIGTERM flushes and exits cleanly", async () => {
  const topics = await createTestTopics(1);
  const producer = startService("producer", { KAFKA_TOPIC_RAW: topics.raw }, {
    args: ["--rate", "200"],
  });
  await producer.waitForLog((_line, record) => record?.message === "Producer started");
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  producer.kill("SIGTERM");
  const status = await producer.status;
  assertEquals(status.code, 0);
  const final = logRecords(producer.lines).find((record) => record.message === "Final summary") as {
    published: number;
    failed: number;
  } | undefined;
  ok(final && final.published > 0 && final.failed === 0, JSON.stringify(final));
  const landed = await readTopic(topics.raw, final.published);
  assertEquals(landed.length, final.published);
});
