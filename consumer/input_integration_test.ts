/**
 * The consumer against the real services: every kind of bad input ends on the dead-letter queue
 * while the valid messages around it are processed; two instances share the work.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createRandom } from "@sentiment/kit/random";
import { integrationTest } from "@sentiment/testkit";
import { DeadLetterSchema, SCHEMA_VERSION } from "@sentiment/contracts/messages";
import {
  asMessages,
  commentsWithDuplicates,
  health,
  jsonValue,
  present,
  publish,
  rawComment,
  type RawMessage,
  readTopic,
  startPipelineHarness,
  waitFor,
} from "./test_support.ts";

const decodeBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

integrationTest(
  "invalid messages of every kind land on the dead-letter queue with a reason; the valid ones around them are stored",
  async () => {
    // Sentiment refuses texts over 100 characters; the consumer accepts up to 200.
    await using harness = await startPipelineHarness({
      partitions: 1,
      sentimentEnv: { SENTIMENT_FAILURE_RATIO: "0", SENTIMENT_MAX_TEXT_LENGTH: "100" },
    });
    const { topics, db } = harness;
    const random = createRandom(5);
    const valid = () => rawComment(random);
    const bad: { message: RawMessage; reason: string; commentId: string | null }[] = [];
    const add = (value: RawMessage["value"], reason: string, commentId: string | null = null) =>
      bad.push({ message: { key: `bad-${bad.length}`, value }, reason, commentId });
    add("this is not JSON {", "invalid_json");
    add(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]), "invalid_json");
    add(null, "invalid_json");
    add("42", "invalid_schema");
    const { source: _source, ...noSource } = valid();
    add(JSON.stringify(noSource), "invalid_schema", noSource.commentId);
    const numeric = { ...valid(), text: 42 };
    add(JSON.stringify(numeric), "invalid_schema", numeric.commentId);
    add(JSON.stringify({ ...valid(), commentId: "not a uuid" }), "invalid_schema", "not a uuid");
    const version = { ...valid(), schemaVersion: SCHEMA_VERSION + 1 };
    add(JSON.stringify(version), "unsupported_schema_version", version.commentId);
    const source = { ...valid(), source: " " };
    add(JSON.stringify(source), "invalid_schema", source.commentId);
    const date = { ...valid(), createdAt: "yesterday" };
    add(JSON.stringify(date), "invalid_schema", date.commentId);
    const empty = valid();
    add(JSON.stringify({ ...empty, text: "" }), "text_empty", empty.commentId);
    const blank = valid();
    add(JSON.stringify({ ...blank, text: " \n\t " }), "text_empty", blank.commentId);
    const long = valid();
    add(JSON.stringify({ ...long, text: "x".repeat(201) }), "text_too_long", long.commentId);
    const nul = valid();
    add(JSON.stringify({ ...nul, text: "a\u0000b" }), "invalid_schema", nul.commentId);
    const refused = valid();
    add(
      JSON.stringify({ ...refused, text: "good ".repeat(30) }),
      "sentiment_invalid_argument",
      refused.commentId,
    );

    // Valid comments before, between and after the bad ones.
    const goods = Array.from({ length: bad.length + 1 }, valid);
    const messages: RawMessage[] = [];
    goods.forEach((comment, index) => {
      messages.push(...asMessages([comment]));
      if (bad[index]) messages.push(bad[index].message);
    });
    await publish(topics.raw, messages);
    const { process: consumer, port: healthPort } = await harness.startConsumer({
      MAX_TEXT_LENGTH: "200",
    });
    try {
      const letters = await readTopic(topics.deadLetter, (all) => all.length >= bad.length);
      assertEquals(letters.length, bad.length);
      for (const [index, message] of letters.entries()) {
        const letter = DeadLetterSchema.parse(jsonValue(message));
        const expected = bad.find((entry) => entry.message.key === message.key);
        ok(expected, `dead letter ${index} keyed ${message.key}`);
        assertEquals(letter.reason, expected.reason, `reason of ${message.key}: ${letter.detail}`);
        assertEquals(letter.commentId, expected.commentId);
        assertEquals(letter.attempts, expected.reason === "sentiment_invalid_argument" ? 1 : 0);
        ok(letter.detail.length > 0);
        const original = expected.message.value;
        assertEquals(
          decodeBase64(letter.originalValueBase64),
          original === null
            ? new Uint8Array()
            : typeof original === "string"
            ? new TextEncoder().encode(original)
            : original,
        );
        assertEquals(
          new TextDecoder().decode(
            decodeBase64(present(letter.originalKeyBase64, "the original key")),
          ),
          expected.message.key,
        );
        assertEquals(letter.originalTopic, topics.raw);
      }
      await waitFor("valid comments stored", async () => {
        const [{ count }] = await db.sql`SELECT count(*)::int AS count FROM comments`;
        return count >= goods.length ? true : undefined;
      }, [consumer]);
      const stored = await db.sql<{ comment_id: string }[]>`SELECT comment_id FROM comments`;
      assertEquals(
        new Set(stored.map((row) => row.comment_id)),
        new Set(goods.map((c) => c.commentId)),
      );
      const status = await health(healthPort);
      assertEquals(status.status, "ok");
      assertEquals(status.counters.deadLettered, bad.length);
    } finally {
      const [status] = await harness.stop();
      assertEquals(status.code, 0, consumer.lines.slice(-20).join("\n"));
    }
  },
);

integrationTest(
  "two consumer instances split the work and store every id exactly once",
  async () => {
    // Both instances join the harness's one consumer group.
    await using harness = await startPipelineHarness({
      partitions: 6,
      sentimentEnv: { SENTIMENT_FAILURE_SEED: "3" },
    });
    const { topics, db } = harness;
    const { messages, distinct } = commentsWithDuplicates(6000, 0.05, 21);
    const start = (id: string) =>
      harness.startConsumer({ CONSUMER_ID: id, RETRY_DELAYS_MS: "50,100,200,400,800" });
    const a = await start("consumer-a");
    const b = await start("consumer-b");
    const processes = [a.process, b.process];
    try {
      // Publish once both own partitions, so each takes a share.
      await waitFor(
        "both instances own partitions",
        async () => {
          const [ha, hb] = await Promise.all([health(a.port), health(b.port)]);
          const joined = (lines: string[]) =>
            lines.filter((line) => line.includes("Joined the consumer group")).at(-1);
          const la = joined(a.process.lines);
          const lb = joined(b.process.lines);
          return ha.ready && hb.ready && la && lb && !la.includes('"partitions":[]') &&
              !lb.includes('"partitions":[]') && !la.includes('"partitions":[0,1,2,3,4,5]') &&
              !lb.includes('"partitions":[0,1,2,3,4,5]')
            ? true
            : undefined;
        },
        processes,
        60_000,
      );
      await publish(topics.raw, asMessages(messages));
      await waitFor("all distinct comments stored", async () => {
        const [{ count }] = await db.sql`SELECT count(*)::int AS count FROM comments`;
        return count >= distinct.size ? true : undefined;
      }, processes);
      const rows = await db.sql<{ comment_id: string; consumer_id: string }[]>`
      SELECT comment_id, consumer_id FROM comments`;
      assertEquals(rows.length, distinct.size);
      assertEquals(new Set(rows.map((row) => row.comment_id)), new Set(distinct.keys()));
      assertEquals(
        new Set(rows.map((row) => row.consumer_id)),
        new Set(["consumer-a", "consumer-b"]),
      );
    } finally {
      const statuses = await harness.stop();
      for (const [index, status] of statuses.entries()) {
        assertEquals(status.code, 0, processes[index].lines.slice(-20).join("\n"));
      }
    }
  },
);
