/**
 * The exactly-once window (consumer README): a comment id sent again is stored once while its
 * row is kept (COMMENTS_RETENTION_DAYS since it was stored) or its Redis mark lives
 * (DEDUP_TTL_SECONDS); once both are gone it is a new comment and stored again. Shown on a real
 * consumer process with Kafka, Redis, PostgreSQL and the sentiment service, with a one-second
 * Redis TTL and rows aged by hand so the retention pass removes them.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Redis } from "ioredis";
import { integrationTest } from "@sentiment/testkit";
import { ProcessedCommentSchema } from "@sentiment/contracts/messages";
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

integrationTest(
  "an id sent again inside the window is stored once; outside it, it is stored again",
  async () => {
    await using harness = await startPipelineHarness({ partitions: 1 });
    const { process } = await harness.startConsumer({
      DEDUP_TTL_SECONDS: "1",
      COMMENTS_RETENTION_DAYS: "1",
      RETENTION_INTERVAL_SECONDS: "1",
      RETRY_DELAYS_MS: "10,10,10,10,10",
    });
    const sql = harness.db.sql;
    const random = createRandom(19);
    const [inside, outside] = [rawComment(random), rawComment(random)];
    const rowsOf = async (id: string) =>
      await sql<{ seq: string }[]>`SELECT seq FROM comments WHERE comment_id = ${id}`;
    const total = async () =>
      Number((await sql`SELECT coalesce(sum(count), 0)::int AS n FROM comment_counts_now`)[0].n);

    await publish(harness.topics.raw, asMessages([inside, outside]));
    await waitFor("both stored", async () => (await total()) === 2 || undefined, [process]);
    const [first] = await rowsOf(inside.commentId);

    // Inside the window: the Redis mark has expired (1 s), the row is kept. The mark is set after
    // the row is published, so a resend before the mark exists would be dropped as a repeat and
    // never published again: wait for the publish, then for the mark to be seen (or for more than
    // its TTL to pass, had it come and gone between two looks), then for it to be gone.
    await readTopic(harness.topics.processed, (all) => all.some((m) => m.key === inside.commentId));
    const publishedAt = Date.now();
    const redis = new Redis(harness.redisUrl, { lazyConnect: true });
    await redis.connect();
    try {
      const marked = async () => (await redis.exists(`processed:${inside.commentId}`)) === 1;
      await waitFor(
        "the Redis mark set",
        async () => (await marked() || Date.now() - publishedAt > 3_000) || undefined,
        [process],
      );
      await waitFor("the Redis mark expired", async () => !await marked() || undefined, [process]);
    } finally {
      redis.disconnect();
    }
    await publish(harness.topics.raw, asMessages([inside]));
    // Published again as stored (same seq), not stored again.
    const republished = await readTopic(
      harness.topics.processed,
      (all) => all.filter((m) => m.key === inside.commentId).length >= 2,
    );
    const seqs = republished.filter((m) => m.key === inside.commentId)
      .map((m) => ProcessedCommentSchema.parse(jsonValue(m)).seq);
    assertEquals(seqs, [Number(first.seq), Number(first.seq)]);
    assertEquals((await rowsOf(inside.commentId)).length, 1);
    assertEquals(await total(), 2);

    // Outside it: the row is older than the retention and removed by the consumer's own pass.
    await sql`UPDATE comments SET processed_at = now() - interval '2 days'
               WHERE comment_id = ${outside.commentId}`;
    await waitFor(
      "the retention pass removed the old row",
      async () => (await rowsOf(outside.commentId)).length === 0 || undefined,
      [process],
    );
    ok(process.lines.some((line) => line.includes('"Retention pass"')), "the pass is logged");
    assertEquals(await total(), 2, "all-time counters keep the deleted row");
    await publish(harness.topics.raw, asMessages([outside]));
    const again = await waitFor(
      "the id stored again",
      async () => (await rowsOf(outside.commentId))[0],
      [process],
    );
    ok(Number(again.seq) > Number(first.seq), "a new row, with a new seq");
    assertEquals(await total(), 3, "and counted again");
  },
);
