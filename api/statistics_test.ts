import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createTestDatabase, integrationTest } from "@sentiment/testkit";
import { storeComments } from "./test_support.ts";
import { compactCounters, statisticsReader, toStatistics } from "./statistics.ts";

async function deltaRows(sql: Awaited<ReturnType<typeof createTestDatabase>>["sql"]) {
  const [row] = await sql<{ counts: number; counters: number }[]>`
    SELECT (SELECT count(*)::int FROM comment_count_deltas) AS counts,
           (SELECT count(*)::int FROM pipeline_counter_deltas) AS counters`;
  return row;
}

integrationTest(
  "statistics are exact before, during and after compaction of the counter deltas",
  async () => {
    await using db = await createTestDatabase();
    // Never compacts by itself, so the pending deltas are what is read.
    const read = statisticsReader(db.sql, { compactIntervalMs: Infinity, now: () => 0 });
    await storeComments(db.sql, Array.from({ length: 10 }, (_, i) => ({ retryCount: i % 3 })));
    await storeComments(db.sql, Array.from({ length: 7 }, () => ({ retryCount: 1 })));
    await db.sql`INSERT INTO pipeline_counter_deltas (name, value)
                 VALUES ('duplicates_discarded', 4), ('dead_lettered', 2),
                        ('duplicates_discarded', 5)`;

    const expected = async () => {
      const [direct] = await db.sql<{ total: number; retried: number }[]>`
        SELECT count(*)::int AS total, count(*) FILTER (WHERE retry_count > 0)::int AS retried
        FROM comments`;
      return direct;
    };
    const pending = toStatistics(await read());
    ok((await deltaRows(db.sql)).counts > 0);
    const direct = await expected();
    assertEquals([pending.total, pending.retried], [direct.total, direct.retried]);
    assertEquals([pending.duplicatesDiscarded, pending.deadLettered], [9, 2]);

    assertEquals(await compactCounters(db.sql), true);
    assertEquals(await deltaRows(db.sql), { counts: 0, counters: 0 });
    const compacted = toStatistics(await read());
    assertEquals({ ...compacted, asOf: "" }, { ...pending, asOf: "", lastMinute: 17 });

    // Totals and new deltas add up; a second compaction keeps the sum.
    await storeComments(db.sql, Array.from({ length: 3 }, () => ({ retryCount: 2 })));
    const mixed = toStatistics(await read());
    assertEquals([mixed.total, mixed.retried], [20, (await expected()).retried]);
    assertEquals(await compactCounters(db.sql), true);
    assertEquals(toStatistics(await read()).total, 20);
  },
);

integrationTest(
  "compactions racing with inserts and each other lose and double nothing",
  async () => {
    await using db = await createTestDatabase();
    const read = statisticsReader(db.sql, { compactIntervalMs: Infinity, now: () => 0 });
    const writers = Array.from({ length: 4 }, async () => {
      for (let round = 0; round < 10; round++) {
        await storeComments(db.sql, Array.from({ length: 25 }, (_, i) => ({ retryCount: i % 2 })));
        await db.sql`INSERT INTO pipeline_counter_deltas (name, value) VALUES ('dead_lettered', 1)`;
      }
    });
    const compactors = Array.from({ length: 3 }, async () => {
      for (let round = 0; round < 15; round++) {
        await compactCounters(db.sql);
        const stats = toStatistics(await read());
        // Every committed insert is counted exactly once at every moment.
        const [{ total }] = await db.sql<{ total: number }[]>`SELECT count(*)::int AS total
                                                            FROM comments`;
        ok(stats.total <= total, `read ${stats.total} > ${total} stored`);
      }
    });
    await Promise.all([...writers, ...compactors]);
    await compactCounters(db.sql);
    const stats = toStatistics(await read());
    assertEquals(stats.total, 1000);
    assertEquals(stats.retried, 480);
    assertEquals(stats.deadLettered, 40);
  },
);

integrationTest("a reader compacts at most once per interval", async () => {
  await using db = await createTestDatabase();
  let clock = 0;
  const read = statisticsReader(db.sql, { compactIntervalMs: 1_000, now: () => clock });
  await storeComments(db.sql, [{}, {}]);
  await read();
  assertEquals((await deltaRows(db.sql)).counts, 0);
  await storeComments(db.sql, [{}]);
  clock = 999;
  assertEquals(toStatistics(await read()).total, 3);
  ok((await deltaRows(db.sql)).counts > 0);
  clock = 1_000;
  assertEquals(toStatistics(await read()).total, 3);
  assertEquals((await deltaRows(db.sql)).counts, 0);
});
