/**
 * The front door as other teams' producers use it: a table of message shapes, written with plain
 * kafkajs calls (not the project's producer), through the real consumer, Kafka, PostgreSQL,
 * Redis and sentiment service. Each shape is stored (as the tolerant reader normalises it) or
 * dead-lettered with its named reason; readers of processed-comments, old and new, read what the
 * consumer publishes.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Redis } from "ioredis";
import { z } from "zod";
import { integrationTest, testKafka } from "@sentiment/testkit";
import {
  DeadLetterSchema,
  LanguageSchema,
  type ProcessedComment,
  ProcessedCommentSchema,
} from "@sentiment/contracts/messages";
import { attemptsKey, processedKey } from "./dedup.ts";
import {
  health,
  jsonValue,
  present,
  readTopic,
  startPipelineHarness,
  waitFor,
} from "./test_support.ts";

/**
 * The ProcessedComment reader of the release before the explanation fields and open ids and
 * sources, as it was: strict (unknown fields refused), UUID ids, six sources.
 */
const PREVIOUS_FIELDS = {
  schemaVersion: z.literal(1),
  commentId: z.uuid(),
  text: z.string(),
  source: z.enum(["twitter", "instagram", "facebook", "tiktok", "youtube", "reddit"]),
  createdAt: z.iso.datetime({ offset: true }),
  textHash: z.string().regex(/^[0-9a-f]{64}$/),
  tag: z.enum(["POSITIVE", "NEGATIVE", "NEUTRAL", "UNRELATED"]),
  processedAt: z.iso.datetime({ offset: true }),
  consumerId: z.string().min(1),
  retryCount: z.int().min(0),
  seq: z.int().min(1),
};
const PreviousStrictReader = z.strictObject(PREVIOUS_FIELDS);
/**
 * The same release's fields read by the policy this change brings in (unknown fields ignored):
 * what a reader deployed with the policy, before any new field, runs.
 */
const PreviousTolerantReader = z.object(PREVIOUS_FIELDS);

interface Shape {
  /** What the row says: sent as is, by a producer that is not ours. */
  name: string;
  value: string | null;
  key?: string | null;
  headers?: Record<string, string>;
  /** What is stored: id, source and createdAt as normalised; or the dead-letter reason. */
  stored?: { commentId: string; source: string; createdAt: string };
  reason?: string;
}

const uuid = () => crypto.randomUUID();
const json = (fields: Record<string, unknown>) => JSON.stringify(fields);

function shapes(): Shape[] {
  const upper = uuid().toUpperCase();
  const kcat = uuid();
  const product = uuid();
  const both = uuid();
  const extra = uuid();
  const table: Shape[] = [
    {
      name: "the issue's kcat line: no schemaVersion, microseconds",
      value: json({
        commentId: kcat,
        text: "Absolutely loved the service",
        source: "twitter",
        createdAt: "2026-12-02T08:51:43.748958Z",
      }),
      stored: { commentId: kcat, source: "twitter", createdAt: "2026-12-02T08:51:43.748Z" },
    },
    {
      name: "the product description's shape: timestamp in epoch milliseconds",
      value: json({
        commentId: product,
        text: "Terrible delivery, never again",
        source: "instagram",
        timestamp: 1764665503748,
      }),
      stored: { commentId: product, source: "instagram", createdAt: "2025-12-02T08:51:43.748Z" },
    },
    {
      name: "UUID in capitals, timestamp in epoch seconds, source Twitter",
      value: json({
        commentId: upper,
        text: "fine I guess",
        source: "Twitter",
        timestamp: 1764665503,
      }),
      stored: {
        commentId: upper.toLowerCase(),
        source: "twitter",
        createdAt: "2025-12-02T08:51:43.000Z",
      },
    },
    {
      name: "the same UUID in lowercase again: the same comment, stored once",
      value: json({
        schemaVersion: 1,
        commentId: upper.toLowerCase(),
        text: "fine I guess",
        source: "twitter",
        createdAt: "2025-12-02T08:51:43.000Z",
      }),
    },
    {
      name: "tweet id, ISO timestamp without offset (UTC), source ' linkedin '",
      value: json({
        commentId: "1864123456789012345",
        text: "Love the new app",
        source: " linkedin ",
        timestamp: "2026-12-02T08:51:43",
      }),
      stored: {
        commentId: "1864123456789012345",
        source: "linkedin",
        createdAt: "2026-12-02T08:51:43.000Z",
      },
    },
    {
      name: "YouTube id, source trustpilot, createdAt with an offset, schemaVersion 1",
      value: json({
        schemaVersion: 1,
        commentId: "UgzDE2tasfmrYLyNkGt4AaABAg",
        text: "Great value",
        source: "trustpilot",
        createdAt: "2026-12-02T10:51:43.500+02:00",
      }),
      stored: {
        commentId: "UgzDE2tasfmrYLyNkGt4AaABAg",
        source: "trustpilot",
        createdAt: "2026-12-02T08:51:43.500Z",
      },
    },
    {
      name: "the YouTube id in lowercase: another comment (platform ids are case-sensitive)",
      value: json({
        commentId: "ugzde2tasfmrylynkgt4aaabag",
        text: "Great value",
        source: "youtube",
        createdAt: "2026-12-02T08:51:43.500Z",
      }),
      stored: {
        commentId: "ugzde2tasfmrylynkgt4aaabag",
        source: "youtube",
        createdAt: "2026-12-02T08:51:43.500Z",
      },
    },
    {
      name: "a 128-character id, no key, with headers",
      key: null,
      headers: { "content-type": "application/json" },
      value: json({
        commentId: "a".repeat(128),
        text: "Not bad at all",
        source: "reddit",
        createdAt: "2026-12-02T08:51:43.000Z",
      }),
      stored: {
        commentId: "a".repeat(128),
        source: "reddit",
        createdAt: "2026-12-02T08:51:43.000Z",
      },
    },
    {
      name: "extra fields author, lang, likes (ignored, counted)",
      value: json({
        schemaVersion: 1,
        commentId: extra,
        text: "I hate waiting",
        source: "facebook",
        createdAt: "2026-12-02T08:51:43.000Z",
        author: "ann",
        lang: "en",
        likes: 3,
      }),
      stored: { commentId: extra, source: "facebook", createdAt: "2026-12-02T08:51:43.000Z" },
    },
    {
      name: "createdAt and timestamp both: createdAt wins",
      value: json({
        commentId: both,
        text: "ok",
        source: "tiktok",
        createdAt: "2026-01-01T00:00:00.000Z",
        timestamp: 1764665503748,
      }),
      stored: { commentId: both, source: "tiktok", createdAt: "2026-01-01T00:00:00.000Z" },
    },
    {
      name: "a 129-character id",
      value: json({ commentId: "a".repeat(129), text: "x", source: "reddit", timestamp: 1 }),
      reason: "invalid_schema",
    },
    {
      name: "an id with a space",
      value: json({ commentId: "has space", text: "x", source: "reddit", timestamp: 1 }),
      reason: "invalid_schema",
    },
    {
      name: "schemaVersion 2 (newer than the consumer)",
      value: json({
        schemaVersion: 2,
        commentId: uuid(),
        body: "a field of version 2",
        source: "reddit",
        timestamp: 1764665503748,
      }),
      reason: "unsupported_schema_version",
    },
    {
      name: "a number for text",
      value: json({ commentId: uuid(), text: 42, source: "reddit", timestamp: 1764665503748 }),
      reason: "invalid_schema",
    },
    {
      name: "epoch milliseconds as a string",
      value: json({ commentId: uuid(), text: "x", source: "reddit", timestamp: "1764665503748" }),
      reason: "invalid_schema",
    },
    {
      name: "neither createdAt nor timestamp",
      value: json({ commentId: uuid(), text: "x", source: "reddit" }),
      reason: "invalid_schema",
    },
    {
      name: "a blank source",
      value: json({ commentId: uuid(), text: "x", source: "  ", timestamp: 1764665503748 }),
      reason: "invalid_schema",
    },
  ];
  return table;
}

integrationTest(
  "a table of message shapes from a foreign producer: each stored as normalised, or dead-lettered with its reason",
  async () => {
    await using harness = await startPipelineHarness({
      partitions: 2,
      sentimentEnv: { SENTIMENT_FAILURE_RATIO: "0" },
    });
    const { topics, db } = harness;
    const table = shapes();
    const stored = table.filter((shape) => shape.stored);
    const dead = table.filter((shape) => shape.reason);

    // Plain kafkajs, as another team would write: default producer, Buffer values, some keys.
    const producer = testKafka("foreign-producer").producer();
    await producer.connect();
    try {
      await producer.send({
        topic: topics.raw,
        messages: table.map((shape, index) => ({
          key: shape.key === null ? null : `shape-${index}`,
          value: shape.value === null ? null : Buffer.from(shape.value),
          headers: shape.headers,
        })),
      });
    } finally {
      await producer.disconnect();
    }

    // The table's ids are fixed and Redis databases are shared round-robin between test runs
    // (with a 3 h TTL): an earlier run's marks would make these comments look processed.
    const redis = new Redis(harness.redisUrl, { maxRetriesPerRequest: 1 });
    const ids = stored.flatMap((shape) => shape.stored ? [shape.stored.commentId] : []);
    await redis.del(...ids.flatMap((id) => [processedKey(id), attemptsKey(id)]));
    redis.disconnect();

    const { process: consumer, port } = await harness.startConsumer();
    try {
      const letters = await readTopic(topics.deadLetter, (all) => all.length >= dead.length);
      assertEquals(letters.length, dead.length);
      for (const message of letters) {
        const letter = DeadLetterSchema.parse(jsonValue(message));
        const original = atob(letter.originalValueBase64);
        const shape = table.find((candidate) => candidate.value === original);
        ok(shape, `a dead letter of a shape: ${original}`);
        assertEquals(letter.reason, shape.reason, `${shape.name}: ${letter.detail}`);
      }

      const rows = await waitFor("every storable shape stored", async () => {
        const found = await db.sql<
          {
            comment_id: string;
            source: string;
            created_at: string;
            score: number | null;
            language: string | null;
            reasons: string[] | null;
          }[]
        >`SELECT comment_id, source,
                 to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                   AS created_at, score, language, reasons
          FROM comments`;
        return found.length >= stored.length ? [...found] : undefined;
      }, [consumer]);
      assertEquals(
        rows.map(({ comment_id, source, created_at }) => ({
          commentId: comment_id,
          source,
          createdAt: created_at,
        })).sort((a, b) => a.commentId < b.commentId ? -1 : 1),
        stored.map((shape) => present(shape.stored, "the stored form")).sort((a, b) =>
          a.commentId < b.commentId ? -1 : 1
        ),
      );
      // The explanation is whatever this sentiment service says, within the contract.
      for (const row of rows) {
        ok(row.score !== null && row.score >= -1 && row.score <= 1, `score of ${row.comment_id}`);
        ok(LanguageSchema.safeParse(row.language).success, `language of ${row.comment_id}`);
        ok(Array.isArray(row.reasons), `reasons of ${row.comment_id}`);
      }

      const published = await readTopic(
        topics.processed,
        (all) => new Set(all.map((message) => message.key)).size >= stored.length,
      );
      const byId = new Map<string, ProcessedComment>();
      for (const message of published) {
        const value = jsonValue(message);
        const comment = ProcessedCommentSchema.parse(value);
        byId.set(comment.commentId, comment);
        const row = present(
          rows.find((candidate) => candidate.comment_id === comment.commentId),
          `the row of ${comment.commentId}`,
        );
        assertEquals(
          [comment.score, comment.language, comment.reasons],
          [row.score, row.language, row.reasons],
        );
        // The previous release's fields, read by the tolerant policy: the new ones are ignored.
        if (PreviousTolerantReader.safeParse(value).success) {
          const old = PreviousTolerantReader.parse(value);
          ok(!("score" in old) && !("language" in old) && !("reasons" in old));
          assertEquals(old.seq, comment.seq);
        }
      }
      assertEquals(byId.size, stored.length);
      // A UUID with a known source is everything the previous reader knew: the tolerant reader
      // of that release reads it with the new fields on; its strict predecessor would refuse it,
      // which is why readers were made tolerant before any field was added.
      const kcatId = present(stored[0].stored, "the stored form").commentId;
      const kcatValue = present(
        published.map((message) => jsonValue(message) as Record<string, unknown>)
          .find((value) => value.commentId === kcatId),
        `the published message of ${kcatId}`,
      );
      ok("score" in kcatValue && "language" in kcatValue && "reasons" in kcatValue);
      ok(PreviousTolerantReader.safeParse(kcatValue).success);
      ok(!PreviousStrictReader.safeParse(kcatValue).success);

      const status = await health(port);
      assertEquals(status.counters.unknownFields, 1, "one accepted message had extra fields");
      assertEquals(status.counters.deadLettered, dead.length);
    } finally {
      const [status] = await harness.stop();
      assertEquals(status.code, 0, consumer.lines.slice(-20).join("\n"));
    }
  },
);
