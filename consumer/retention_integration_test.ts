/**
 * Retention on real PostgreSQL: old rows go in bounded chunks, newer rows and the statistics
 * stay, two instances share a pass without doubling it, and inserts carry on during a chunk.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import postgres from "postgres";
import { createTestDatabase, integrationTest } from "@sentiment/testkit";
import { RETENTION_LOCK_ID, retentionPass } from "./retention.ts";

const DAY_MS = 86_400_000;

/** `count` rows stored `daysAgo(i)` days ago, several at exactly the same instant. */
async function seed(
  sql: postgres.Sql,
  count: number,
  daysAgo: (i: number) => number,
  prefix = "r",
): Promise<void> {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => ({
    comment_id: `${prefix}${i}`,
    text: `comment ${i}`,
    text_hash: "a".repeat(64),
    tag: i % 2 === 0 ? "POSITIVE" : "NEGATIVE",
    source: i % 3 === 0 ? "reddit" : "twitter",
    created_at: new Date(now - daysAgo(i) * DAY_MS),
    // Ties: groups of 7 rows share a processed_at, so chunk edges fall inside a group.
    processed_at: new Date(now - daysAgo(i - (i % 7)) * DAY_MS),
    consumer_id: "test",
  }));
  for (let start = 0; start < rows.length; start += 1000) {
    await sql`INSERT INTO comments ${sql(rows.slice(start, start + 1000))}`;
  }
}

async function statistics(sql: postgres.Sql) {
  return [
    ...await sql<{ tag: string; source: string; count: string }[]>`
    SELECT tag, source, count::text FROM comment_counts_now ORDER BY tag, source`,
  ];
}

integrationTest("a pass deletes exactly the rows stored before the cutoff, in chunks", async () => {
  await using db = await createTestDatabase();
  // 3 000 rows from 0 to 60 days old; the cutoff at 30 days.
  await seed(db.sql, 3000, (i) => (i * 60) / 3000);
  const before = await statistics(db.sql);
  const cutoff = new Date(Date.now() - 30 * DAY_MS);
  const [{ old }] = await db.sql<{ old: number }[]>`
    SELECT count(*)::int AS old FROM comments WHERE processed_at < ${cutoff}`;
  ok(old > 1000);

  const result = await retentionPass(db.sql, { cutoff, batchSize: 250, restMs: () => 0 });
  assertEquals(result.deleted, old);
  assertEquals(result.chunks, Math.floor(old / 250) + 1, "full chunks, then the short last one");
  assertEquals(result.ran, true);
  const [{ left, oldest }] = await db.sql<{ left: number; oldest: Date }[]>`
    SELECT count(*)::int AS left, min(processed_at) AS oldest FROM comments`;
  assertEquals(left, 3000 - old);
  ok(oldest >= cutoff);
  // The counters are all-time: deleting rows changes none of them.
  assertEquals(await statistics(db.sql), before);
  // Nothing left to do: one empty chunk.
  const again = await retentionPass(db.sql, { cutoff, batchSize: 250 });
  assertEquals([again.deleted, again.chunks, again.ran], [0, 1, true]);
});

integrationTest(
  "two instances share a pass: each old row deleted once, the lock respected",
  async () => {
    await using db = await createTestDatabase();
    // 1 498 = 7 × 214: the groups that share a processed_at do not straddle the age boundary.
    await seed(db.sql, 2000, (i) => (i < 1498 ? 40 : 1));
    const other = postgres(db.url, { max: 2, onnotice: () => {} });
    try {
      const cutoff = new Date(Date.now() - 30 * DAY_MS);
      const [a, b] = await Promise.all([
        retentionPass(db.sql, { cutoff, batchSize: 100, restMs: () => 1 }),
        retentionPass(other, { cutoff, batchSize: 100, restMs: () => 1 }),
      ]);
      assertEquals(a.deleted + b.deleted, 1498);
      const [{ left }] = await db.sql<
        { left: number }[]
      >`SELECT count(*)::int AS left FROM comments`;
      assertEquals(left, 502);

      // While another session holds the lock, a pass leaves the work to it.
      await seed(db.sql, 10, () => 40, "late");
      await other.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${RETENTION_LOCK_ID})`;
        const skipped = await retentionPass(db.sql, { cutoff, batchSize: 100 });
        assertEquals([skipped.ran, skipped.deleted], [false, 0]);
      });
      assertEquals((await retentionPass(db.sql, { cutoff, batchSize: 100 })).deleted, 10);
    } finally {
      await other.end();
    }
  },
);

integrationTest("an insert is not held up by a chunk being deleted", async () => {
  await using db = await createTestDatabase();
  await seed(db.sql, 500, () => 40);
  const writer = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    // A chunk's transaction kept open (its row locks held), as if the delete were slow.
    await db.sql.begin(async (tx) => {
      await tx`DELETE FROM comments WHERE comment_id LIKE 'r%'`;
      // Another writer inserts meanwhile; it must not wait for the delete to commit. A lock
      // wait would fail this statement (lock_timeout) instead of making the test slow.
      await writer.begin(async (wtx) => {
        await wtx`SET LOCAL lock_timeout = '2s'`;
        await wtx`
          INSERT INTO comments (comment_id, text, text_hash, tag, source, created_at, consumer_id)
          VALUES ('new-1', 'fresh', ${"b".repeat(64)}, 'NEUTRAL', 'reddit', now(), 'test')`;
      });
    });
    const ids = await db.sql`SELECT comment_id FROM comments`;
    assertEquals(ids.map((row) => row.comment_id), ["new-1"]);
  } finally {
    await writer.end();
  }
});
