/**
 * Messages too large to carry on: against the real broker, an oversized raw message and a dead
 * letter the broker refuses are data faults. Each is set aside with a bounded record and the
 * pipeline keeps flowing; neither pauses intake.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { integrationTest, testKafka } from "@sentiment/testkit";
import { DeadLetterSchema } from "@sentiment/contracts/messages";
import { createRandom } from "@sentiment/kit/random";
import {
  asMessages,
  jsonValue,
  publish,
  rawComment,
  readTopic,
  startPipelineHarness,
  waitFor,
} from "./test_support.ts";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function readiness(port: number): Promise<{ status: string; reasons: string[] }> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return await response.json();
}

integrationTest(
  "a 900 KB message is dead-lettered with its first bytes, length and hash; the comments after it are stored and the consumer stays ready",
  async () => {
    await using harness = await startPipelineHarness({
      partitions: 1,
      sentimentEnv: { SENTIMENT_FAILURE_RATIO: "0" },
    });
    const { topics, db } = harness;
    const random = createRandom(11);
    const before = Array.from({ length: 50 }, () => rawComment(random));
    const after = Array.from({ length: 50 }, () => rawComment(random));
    // Valid JSON with a valid comment inside, made huge by a field nobody reads.
    const huge = new TextEncoder().encode(
      JSON.stringify({ ...rawComment(random), attachment: "x".repeat(900_000) }),
    );
    await publish(topics.raw, [
      ...asMessages(before),
      { key: "huge", value: huge },
      ...asMessages(after),
    ]);
    const { process: consumer, port } = await harness.startConsumer();
    try {
      const [message] = await readTopic(topics.deadLetter, (all) => all.length >= 1);
      const letter = DeadLetterSchema.parse(jsonValue(message));
      assertEquals(letter.reason, "message_too_large");
      assertEquals(letter.originalValueBytes, huge.byteLength);
      assertEquals(letter.originalValueSha256, sha256(huge));
      assertEquals(letter.originalValueTruncated, true);
      const kept = Uint8Array.from(atob(letter.originalValueBase64), (c) => c.charCodeAt(0));
      assertEquals(kept, huge.subarray(0, kept.byteLength));
      const bytes = message.value?.byteLength ?? 0;
      ok(bytes < 128 * 1024, `dead letter of ${bytes} B`);
      await waitFor("every valid comment stored", async () => {
        const [{ count }] = await db.sql`SELECT count(*)::int AS count FROM comments`;
        return count === before.length + after.length ? true : undefined;
      }, [consumer]);
      assertEquals((await readiness(port)).status, "ready");
      ok(
        !consumer.lines.some((line) => line.includes("pausing intake")),
        "a data fault never paused intake",
      );
    } finally {
      const [status] = await harness.stop();
      assertEquals(status.code, 0, consumer.lines.slice(-20).join("\n"));
    }
  },
);

integrationTest(
  "a dead letter the broker refuses (dead-letter topic limited to 8 KB) is sent without its payload and the pipeline moves on",
  async () => {
    await using harness = await startPipelineHarness({
      partitions: 1,
      sentimentEnv: { SENTIMENT_FAILURE_RATIO: "0" },
    });
    const { topics, db } = harness;
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{
          type: 2, // TOPIC
          name: topics.deadLetter,
          configEntries: [{ name: "max.message.bytes", value: "8192" }],
        }],
      });
    } finally {
      await admin.disconnect();
    }
    const random = createRandom(12);
    const valid = Array.from({ length: 20 }, () => rawComment(random));
    // Not JSON, 40 KB: its bounded letter (~54 KB of base64) is over the topic's limit.
    const garbage = new TextEncoder().encode("{" + "garbage ".repeat(5_000));
    await publish(topics.raw, [
      ...asMessages(valid.slice(0, 10)),
      { key: "garbage", value: garbage },
      ...asMessages(valid.slice(10)),
    ]);
    const { process: consumer, port } = await harness.startConsumer();
    try {
      const [message] = await readTopic(topics.deadLetter, (all) => all.length >= 1);
      const letter = DeadLetterSchema.parse(jsonValue(message));
      assertEquals(letter.reason, "invalid_json");
      assertEquals(letter.originalValueBase64, "");
      assertEquals(letter.originalValueBytes, garbage.byteLength);
      assertEquals(letter.originalValueSha256, sha256(garbage));
      assertEquals(letter.originalOffset, "10");
      await waitFor("every valid comment stored", async () => {
        const [{ count }] = await db.sql`SELECT count(*)::int AS count FROM comments`;
        return count === valid.length ? true : undefined;
      }, [consumer]);
      assertEquals((await readiness(port)).status, "ready");
      ok(consumer.lines.some((line) => line.includes("Kafka refused a dead letter")));
    } finally {
      const [status] = await harness.stop();
      assertEquals(status.code, 0, consumer.lines.slice(-20).join("\n"));
    }
  },
);
