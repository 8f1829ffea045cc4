/**
 * The consumer against the real Kafka, PostgreSQL, Redis and sentiment service: the main
 * acceptance run (duplicates, injected failures, cache), and dead-lettering.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { eventually, integrationTest } from "@sentiment/testkit";
import { DeadLetterSchema, ProcessedCommentSchema } from "@sentiment/contracts/messages";
import {
  asMessages,
  commentsWithDuplicates,
  health,
  jsonValue,
  present,
  publish,
  readTopic,
  startPipelineHarness,
  waitFor,
} from "./test_support.ts";

integrationTest(
  "10 000 comments with 5 % duplicates and injected failures: each distinct id stored once, tagged as sentiment says, published, retry_count true",
  async () => {
    await using harness = await startPipelineHarness({
      partitions: 6,
      sentimentEnv: { SENTIMENT_FAILURE_SEED: "7" },
      proxy: true,
    });
    const { topics, db } = harness;
    const proxy = present(harness.proxy, "the recording proxy");
    const { messages, distinct } = commentsWithDuplicates(10_000, 0.05, 11);
    await publish(topics.raw, asMessages(messages));
    const { process: consumer, port: healthPort } = await harness.startConsumer({
      RETRY_DELAYS_MS: "100,200,400,800,1600",
    });
    try {
      await waitFor("all distinct comments stored", async () => {
        const [{ count }] = await db.sql`SELECT count(*)::int AS count FROM comments`;
        return count >= distinct.size ? true : undefined;
      }, [consumer]);
      const rows = await db.sql<
        { comment_id: string; tag: string; text_hash: string; retry_count: number; seq: string }[]
      >`SELECT comment_id, tag, text_hash, retry_count, seq FROM comments`;
      assertEquals(rows.length, distinct.size);
      assertEquals(new Set(rows.map((row) => row.comment_id)), new Set(distinct.keys()));

      // Tags: what sentiment said for the item, or for the same text (a cache hit).
      const seen = proxy.byComment();
      const byHash = proxy.tagsByHash();
      for (const tags of byHash.values()) assertEquals(tags.size, 1, "sentiment is deterministic");
      let cacheHits = 0;
      let retried = 0;
      const duplicated = new Set(
        messages.filter((m, i) => messages.indexOf(m) !== i).map((m) => m.commentId),
      );
      for (const row of rows) {
        const record = seen.get(row.comment_id);
        const expected = [...(byHash.get(row.text_hash) ?? [])][0];
        assertEquals(row.tag, expected, `tag of ${row.comment_id}`);
        if (!record || record.tags.length === 0) cacheHits++;
        // A re-sent duplicate can reach sentiment while the first copy waits for its retry; then
        // the failures of both copies are recorded under one id.
        if (duplicated.has(row.comment_id)) ok(row.retry_count <= (record?.failures ?? 0));
        else {assertEquals(
            row.retry_count,
            record?.failures ?? 0,
            `retry_count of ${row.comment_id}`,
          );}
        if (row.retry_count > 0) retried++;
      }
      ok(cacheHits > 0, "some comments were answered from the cache");
      ok(retried > 0, "the default failure ratio made some comments retry");
      ok(proxy.items.length < messages.length, "cache hits and duplicates skipped gRPC");

      // Every stored comment is on processed-comments with its seq.
      const bySeq = new Map(rows.map((row) => [row.comment_id, Number(row.seq)]));
      const published = await readTopic(
        topics.processed,
        (all) => new Set(all.map((m) => m.key)).size >= distinct.size,
      );
      const publishedIds = new Set<string>();
      for (const message of published) {
        const comment = ProcessedCommentSchema.parse(jsonValue(message));
        assertEquals(message.key, comment.commentId);
        assertEquals(comment.seq, bySeq.get(comment.commentId));
        publishedIds.add(comment.commentId);
      }
      assertEquals(publishedIds, new Set(distinct.keys()));

      const status = await health(healthPort);
      assertEquals(status.counters.sentimentItems, proxy.items.length);
      assertEquals(status.counters.sentimentCalls, proxy.calls);
      assertEquals(status.counters.processed, distinct.size);
      ok(status.counters.cacheHits >= cacheHits);
      const counters = Object.fromEntries(
        (await db.sql<
          { name: string; value: string }[]
        >`SELECT name, value FROM pipeline_counters_now`)
          .map((row) => [row.name, Number(row.value)]),
      );
      assertEquals(counters.duplicates_discarded, messages.length - distinct.size);
      assertEquals(counters.dead_lettered, 0);
      assertEquals(counters.retried_comments, retried);
    } finally {
      // The consumer, then sentiment, then the proxy (see PipelineHarness.stop).
      const [status] = await harness.stop();
      assertEquals(status.code, 0, consumer.lines.slice(-20).join("\n"));
    }
  },
);

integrationTest(
  "sentiment failing every call: 5 retries on the scaled schedule, then the dead-letter queue; nothing stored",
  async () => {
    await using harness = await startPipelineHarness({
      partitions: 2,
      sentimentEnv: { SENTIMENT_FAILURE_RATIO: "1" },
      proxy: true,
    });
    const { topics, db } = harness;
    const proxy = present(harness.proxy, "the recording proxy");
    const { messages } = commentsWithDuplicates(20, 0, 3);
    const delays = [100, 200, 400, 800, 1600];
    await publish(topics.raw, asMessages(messages));
    const { process: consumer, port: healthPort } = await harness.startConsumer({
      RETRY_DELAYS_MS: delays.join(","),
    });
    try {
      const letters = await readTopic(topics.deadLetter, (all) => all.length >= 20, 60_000);
      assertEquals(letters.length, 20);
      const byId = new Map(letters.map((message) => {
        const letter = DeadLetterSchema.parse(jsonValue(message));
        return [letter.commentId, { letter, headers: message.headers }];
      }));
      for (const comment of messages) {
        const entry = byId.get(comment.commentId);
        ok(entry, `dead letter of ${comment.commentId}`);
        const { letter } = entry;
        assertEquals(letter.reason, "sentiment_retries_exhausted");
        assertEquals(letter.attempts, 6);
        assertEquals(entry.headers.reason, "sentiment_retries_exhausted");
        assertEquals(
          new TextDecoder().decode(
            Uint8Array.from(atob(letter.originalValueBase64), (c) => c.charCodeAt(0)),
          ),
          JSON.stringify(comment),
        );
        assertEquals(letter.originalTopic, topics.raw);
        // Six attempts, spaced by at least the scaled 1-2-4-8-16 delays.
        const attempts = present(
          proxy.byComment().get(comment.commentId),
          `attempts of ${comment.commentId}`,
        );
        assertEquals(attempts.failures, 6);
        for (let i = 1; i < attempts.at.length; i++) {
          ok(
            attempts.at[i] - attempts.at[i - 1] >= delays[i - 1] - 5,
            `gap ${i} of ${comment.commentId}`,
          );
        }
      }
      const [{ count }] = await db.sql`SELECT count(*)::int AS count FROM comments`;
      assertEquals(count, 0);
      const counters = await eventually(
        async () => {
          const rows = await db.sql<
            { name: string; value: string }[]
          >`SELECT name, value FROM pipeline_counters_now`;
          const map = Object.fromEntries(rows.map((row) => [row.name, Number(row.value)]));
          return map.dead_lettered === 20 ? map : undefined;
        },
        10_000,
        "counters",
      );
      assertEquals(counters.retry_attempts, 100);
      const status = await health(healthPort);
      assertEquals(status.inFlight, 0);
    } finally {
      // The consumer, then sentiment, then the proxy (see PipelineHarness.stop).
      const [status] = await harness.stop();
      assertEquals(status.code, 0, consumer.lines.slice(-20).join("\n"));
    }
  },
);
