import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import postgres from "postgres";
import { infraConfig, integrationTest } from "@sentiment/testkit";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations.ts";

Deno.test("migration versions are unique and ascending", () => {
  const versions = MIGRATIONS.map((migration) => migration.version);
  assertEquals(versions, [...new Set(versions)].sort((a, b) => a - b));
});

/** A fresh, empty database (no migration applied), dropped after `fn`. */
async function withEmptyDatabase(fn: (sql: postgres.Sql) => Promise<void>): Promise<void> {
  const adminUrl = infraConfig().databaseUrl;
  const name = `test_migrate_${crypto.randomUUID().slice(0, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
  try {
    await fn(sql);
  } finally {
    await sql.end({ timeout: 2 });
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

interface Row {
  seq: string;
  comment_id: string;
  text: string;
  created_at: Date;
  retry_count: number;
}

integrationTest(
  "open ids: comment_id becomes text on a table with rows, ids and seq kept",
  async () => {
    await withEmptyDatabase(async (sql) => {
      assertEquals(await migrate(sql, MIGRATIONS.filter((m) => m.version <= 3)), [1, 2, 3]);
      // Rows as the uuid column held them; one id sent in capitals is stored lowercase.
      const ids = [
        "5D1F8D4E-6A53-4A3F-9A62-1F2B8F0C9B11",
        crypto.randomUUID(),
        crypto.randomUUID(),
      ];
      for (const [n, id] of ids.entries()) {
        await sql`
        INSERT INTO comments (comment_id, text, text_hash, tag, source, created_at, consumer_id,
                              retry_count)
        VALUES (${id}::uuid, ${`text ${n}`}, ${"a".repeat(64)}, 'POSITIVE', 'twitter',
                ${new Date(Date.UTC(2026, 0, 1, 0, 0, n))}, 'c', ${n})`;
      }
      const before = await sql<Row[]>`
      SELECT seq, comment_id::text AS comment_id, text, created_at, retry_count
      FROM comments ORDER BY seq`;

      assertEquals(
        await migrate(sql),
        MIGRATIONS.filter((m) => m.version > 3).map((m) => m.version),
      );

      const after = await sql<(Row & Record<string, unknown>)[]>`
      SELECT seq, comment_id, text, created_at, retry_count, score, language, reasons
      FROM comments ORDER BY seq`;
      // postgres.js answers with a Result (an Array subclass): compare the rows alone.
      assertEquals(
        [...after],
        [...before].map((row) => ({ ...row, score: null, language: null, reasons: null })),
      );
      assertEquals(after[0].comment_id, ids[0].toLowerCase());
      const [column] = await sql<{ data_type: string; collation_name: string }[]>`
      SELECT data_type, collation_name FROM information_schema.columns
      WHERE table_name = 'comments' AND column_name = 'comment_id'`;
      assertEquals(column, { data_type: "text", collation_name: "C" });

      // Platform ids fit, case matters, the old ids still conflict, and seq goes on.
      const inserted = await sql<{ seq: string; comment_id: string }[]>`
      INSERT INTO comments (comment_id, text, text_hash, tag, source, created_at, consumer_id,
                            score, language, reasons)
      VALUES ('1864123456789012345', 't', ${"b".repeat(64)}, 'NEGATIVE', 'twitter', now(), 'c',
              -0.5, 'en', ARRAY['not good']),
             ('UgzDE2tasfmrYLyNkGt4AaABAg', 't', ${"b".repeat(64)}, 'NEUTRAL', 'youtube', now(),
              'c', NULL, NULL, NULL),
             ('ugzde2tasfmrylynkgt4aaabag', 't', ${"b".repeat(64)}, 'NEUTRAL', 'youtube', now(),
              'c', 0, 'und', '{}'),
             (${ids[1]}, 't', ${"b".repeat(64)}, 'NEUTRAL', 'reddit', now(), 'c', NULL, NULL,
              NULL)
      ON CONFLICT (comment_id) DO NOTHING
      RETURNING seq, comment_id`;
      assertEquals([...inserted].map((row) => row.comment_id).sort(), [
        "1864123456789012345",
        "UgzDE2tasfmrYLyNkGt4AaABAg",
        "ugzde2tasfmrylynkgt4aaabag",
      ]);
      ok(inserted.every((row) => Number(row.seq) > Number(before[2].seq)));
      const [explained] = await sql<{ score: number; language: string; reasons: string[] }[]>`
      SELECT score, language, reasons FROM comments WHERE comment_id = '1864123456789012345'`;
      assertEquals(explained, { score: -0.5, language: "en", reasons: ["not good"] });

      // The statistics trigger still counts every insert, old rows and new.
      const [{ total }] = await sql<{ total: string }[]>`
      SELECT sum(count)::text AS total FROM comment_counts_now`;
      assertEquals(total, "6");
      await rejects(
        sql`INSERT INTO comments (comment_id, text, text_hash, tag, source, created_at,
                                consumer_id, score)
          VALUES ('x', 't', ${"c".repeat(64)}, 'NEUTRAL', 'reddit', now(), 'c', 1.5)`,
        /score_check/,
      );
      assertEquals(await migrate(sql), [], "applied once");
    });
  },
);

integrationTest(
  "text search index: migration 6 installs pg_trgm as the app's role and indexes the text",
  async () => {
    await withEmptyDatabase(async (sql) => {
      await migrate(sql, MIGRATIONS.filter((m) => m.version <= 5));
      await sql`
        INSERT INTO comments (comment_id, text, text_hash, tag, source, created_at, consumer_id)
        VALUES ('before-6', 'Größte Überraschung', ${"a".repeat(64)}, 'POSITIVE', 'reddit', now(),
                'c')`;
      assertEquals(
        await migrate(sql),
        MIGRATIONS.filter((m) => m.version > 5).map((m) => m.version),
      );
      const [index] = await sql<{ indexdef: string }[]>`
        SELECT indexdef FROM pg_indexes WHERE indexname = 'comments_text_trgm_idx'`;
      ok(/USING gin \(text gin_trgm_ops\)/.test(index.indexdef), index.indexdef);
      // Rows stored before the migration are found through the index.
      await sql`SET enable_seqscan = off`;
      const plan = (await sql<{ "QUERY PLAN": string }[]>`
        EXPLAIN SELECT comment_id FROM comments WHERE text ILIKE '%überr%'`)
        .map((row) => row["QUERY PLAN"]).join("\n");
      ok(plan.includes("comments_text_trgm_idx"), plan);
      const found = await sql`SELECT comment_id FROM comments WHERE text ILIKE '%überr%'`;
      assertEquals(found.map((row) => row.comment_id), ["before-6"]);
    });
  },
);

integrationTest(
  "migration 7: a tag + source page in key order from one index, rows kept; text statistics",
  async () => {
    await withEmptyDatabase(async (sql) => {
      await migrate(sql, MIGRATIONS.filter((m) => m.version <= 6));
      await sql`
        INSERT INTO comments (comment_id, text, text_hash, tag, source, created_at, consumer_id)
        VALUES ('before-7', 'kept', ${"a".repeat(64)}, 'NEGATIVE', 'reddit', now(), 'c')`;
      assertEquals(
        await migrate(sql),
        MIGRATIONS.filter((m) => m.version > 6).map((m) => m.version),
      );
      await sql`SET enable_seqscan = off`;
      const plan = (await sql<{ "QUERY PLAN": string }[]>`
        EXPLAIN SELECT * FROM comments WHERE tag = 'NEGATIVE' AND source = 'reddit'
         ORDER BY created_at DESC, comment_id DESC LIMIT 51`)
        .map((row) => row["QUERY PLAN"]).join("\n");
      // Read in index order: no sort, no filter on either column.
      ok(/Index (Only )?Scan using comments_tag_source_created_idx/.test(plan), plan);
      ok(!plan.includes("Sort"), plan);
      const found = await sql`
        SELECT comment_id FROM comments WHERE tag = 'NEGATIVE' AND source = 'reddit'`;
      assertEquals(found.map((row) => row.comment_id), ["before-7"]);
      const [text] = await sql<{ attstattarget: number }[]>`
        SELECT attstattarget FROM pg_attribute
         WHERE attrelid = 'comments'::regclass AND attname = 'text'`;
      assertEquals(text.attstattarget, 1000);
    });
  },
);
