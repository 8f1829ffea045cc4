/**
 * The PostgreSQL schema, as ordered migrations. Kept as TypeScript strings (not .sql files) so
 * compiled service binaries carry them without extra files. Never edit a released migration;
 * add a new one.
 *
 * @module
 */

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "comments",
    sql: `
      CREATE TABLE comments (
        -- Monotonic position, the SSE event id clients resume from.
        seq          BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        -- The source of truth for "stored once": inserts use ON CONFLICT DO NOTHING.
        comment_id   UUID PRIMARY KEY,
        text         TEXT NOT NULL,
        text_hash    CHAR(64) NOT NULL,
        tag          TEXT NOT NULL CHECK (tag IN ('POSITIVE', 'NEGATIVE', 'NEUTRAL', 'UNRELATED')),
        source       TEXT NOT NULL,
        created_at   TIMESTAMPTZ NOT NULL,
        processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        consumer_id  TEXT NOT NULL,
        retry_count  INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0)
      );
      -- Keyset pagination (newest first) and filters by tag, source and time range.
      CREATE INDEX comments_created_idx ON comments (created_at DESC, comment_id DESC);
      CREATE INDEX comments_tag_created_idx ON comments (tag, created_at DESC, comment_id DESC);
      CREATE INDEX comments_source_created_idx ON comments (source, created_at DESC, comment_id DESC);
      CREATE INDEX comments_processed_idx ON comments (processed_at);
    `,
  },
  {
    version: 2,
    name: "statistics counters",
    sql: `
      -- Counts kept up to date by a statement-level trigger, so /api/statistics never scans
      -- the comments table and concurrent consumers touch each counter once per batch.
      CREATE TABLE comment_counts (
        tag    TEXT NOT NULL,
        source TEXT NOT NULL,
        count  BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (tag, source)
      );
      -- Pipeline events that are not rows: duplicates discarded, dead letters, retries.
      CREATE TABLE pipeline_counters (
        name  TEXT PRIMARY KEY,
        value BIGINT NOT NULL DEFAULT 0
      );
      INSERT INTO pipeline_counters (name) VALUES
        ('duplicates_discarded'), ('dead_lettered'), ('retry_attempts'), ('retried_comments');

      CREATE FUNCTION count_inserted_comments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO comment_counts AS c (tag, source, count)
          SELECT tag, source, count(*) FROM inserted GROUP BY tag, source
          ORDER BY tag, source
        ON CONFLICT (tag, source) DO UPDATE SET count = c.count + EXCLUDED.count;
        UPDATE pipeline_counters
          SET value = value + (SELECT count(*) FROM inserted WHERE retry_count > 0)
          WHERE name = 'retried_comments';
        RETURN NULL;
      END $$;

      CREATE TRIGGER comments_counted AFTER INSERT ON comments
        REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_comments();
    `,
  },
  {
    version: 3,
    name: "append-only counter deltas",
    sql: `
      -- Migration 2's trigger updated shared rows (comment_counts, pipeline_counters) inside
      -- every insert transaction, so overlapping inserts queued on those row locks until the
      -- first committed. Counts are now appended as delta rows (no row is ever updated by a
      -- writer) and folded into the totals by compact_counters(); a reader adds the totals and
      -- the pending deltas in one snapshot, so the figures stay exact at every moment.
      CREATE TABLE comment_count_deltas (
        tag    TEXT NOT NULL,
        source TEXT NOT NULL,
        count  BIGINT NOT NULL
      );
      CREATE TABLE pipeline_counter_deltas (
        name  TEXT NOT NULL,
        value BIGINT NOT NULL
      );

      CREATE OR REPLACE FUNCTION count_inserted_comments() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO comment_count_deltas (tag, source, count)
          SELECT tag, source, count(*) FROM inserted GROUP BY tag, source;
        INSERT INTO pipeline_counter_deltas (name, value)
          SELECT 'retried_comments', n
          FROM (SELECT count(*) AS n FROM inserted WHERE retry_count > 0) AS retried
          WHERE n > 0;
        RETURN NULL;
      END $$;

      -- Moves every delta into the totals in one transaction (DELETE … RETURNING), so a reader
      -- sees each delta either pending or in the totals, never both or neither. Callers that
      -- find another compaction running skip (false) instead of queueing behind it.
      CREATE FUNCTION compact_counters() RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT pg_try_advisory_xact_lock(74210532) THEN
          RETURN false;
        END IF;
        WITH moved AS (
          DELETE FROM comment_count_deltas RETURNING tag, source, count
        )
        INSERT INTO comment_counts AS c (tag, source, count)
          SELECT tag, source, sum(count) FROM moved GROUP BY tag, source ORDER BY tag, source
        ON CONFLICT (tag, source) DO UPDATE SET count = c.count + EXCLUDED.count;
        WITH moved AS (
          DELETE FROM pipeline_counter_deltas RETURNING name, value
        )
        INSERT INTO pipeline_counters AS p (name, value)
          SELECT name, sum(value) FROM moved GROUP BY name ORDER BY name
        ON CONFLICT (name) DO UPDATE SET value = p.value + EXCLUDED.value;
        RETURN true;
      END $$;

      -- What /api/statistics and tests read: totals plus pending deltas.
      CREATE VIEW comment_counts_now AS
        SELECT tag, source, sum(count)::bigint AS count
        FROM (SELECT tag, source, count FROM comment_counts
              UNION ALL SELECT tag, source, count FROM comment_count_deltas) AS all_counts
        GROUP BY tag, source;
      CREATE VIEW pipeline_counters_now AS
        SELECT name, sum(value)::bigint AS value
        FROM (SELECT name, value FROM pipeline_counters
              UNION ALL SELECT name, value FROM pipeline_counter_deltas) AS all_counters
        GROUP BY name;
    `,
  },
  {
    version: 4,
    name: "open comment ids",
    sql: `
      -- Platform ids are not UUIDs (tweet ids are 64-bit integers as text, YouTube's look like
      -- UgzDE2tasfmrYLyNkGt4AaABAg): comment_id becomes text. Existing ids are kept as the
      -- uuid type printed them (lowercase), which is the spelling the consumer still gives a
      -- UUID, so a replayed old comment finds its row. seq and every other column are kept.
      -- COLLATE "C": ids are ASCII ([A-Za-z0-9_:.-], checked by the consumer) and compared
      -- byte by byte, the cheapest comparison for the primary key and the pagination indexes,
      -- and case-sensitive, as platform ids are. The rewrite holds an exclusive lock on the
      -- table for as long as it takes (seconds per million rows); run it with the consumers
      -- and the api stopped, or accept their pause.
      ALTER TABLE comments ALTER COLUMN comment_id TYPE TEXT COLLATE "C" USING comment_id::text;
    `,
  },
  {
    version: 5,
    name: "sentiment explanations",
    sql: `
      -- What the sentiment service says besides the tag. NULL means unknown: rows stored
      -- before these columns, or answered by a service that does not send them.
      ALTER TABLE comments
        -- Opinion strength, -1 (negative) to 1 (positive).
        ADD COLUMN score DOUBLE PRECISION CHECK (score BETWEEN -1 AND 1),
        -- ISO 639-1 code of the detected language, or 'und'.
        ADD COLUMN language TEXT,
        -- The few terms or rules that decided the tag, most important first.
        ADD COLUMN reasons TEXT[];
    `,
  },
  {
    version: 6,
    name: "text search index",
    sql: `
      -- /api/comments?q= is a case-insensitive substring search (ILIKE '%q%'); without an index
      -- every search, and above all one that finds nothing, reads the whole table. A trigram GIN
      -- index answers it for any language and script: it needs no dictionary or stemmer (the
      -- comments are in several languages, often mixed) and finds parts of words, @mentions,
      -- #hashtags and codes like "ad-2500" that a full-text (tsvector) index splits or drops.
      -- bench run 7 measured both on the same 10 M rows (BENCHMARKS.md). pg_trgm is a trusted
      -- extension (PostgreSQL 13+): the database's owner may create it, no superuser needed.
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      -- Building it holds off writes for as long as it takes (about a minute per million rows
      -- on two cores). On a large live table, create it first with
      --   CREATE INDEX CONCURRENTLY comments_text_trgm_idx ON comments USING gin (text gin_trgm_ops);
      -- and this migration keeps it.
      CREATE INDEX IF NOT EXISTS comments_text_trgm_idx ON comments USING gin (text gin_trgm_ops);
    `,
  },
  {
    version: 7,
    name: "tag and source index, text statistics",
    sql: `
      -- /api/comments?tag=…&source=… (the dashboard's two filters, also under a search): with an
      -- index on each alone, the planner walks the newest rows of one and tests the other row by
      -- row, which reads many rows for each kept where the two seldom meet: a burst from one
      -- source with another tag, a tag one source rarely has (bench run 7: p95 45.6 ms behind
      -- 180 000 newest reddit rows of another tag). This index reads the page's rows only. Its
      -- cost on inserts: BENCHMARKS.md "Scale". On a large live table, create it first with
      --   CREATE INDEX CONCURRENTLY comments_tag_source_created_idx
      --     ON comments (tag, source, created_at DESC, comment_id DESC);
      -- and this migration keeps it.
      CREATE INDEX IF NOT EXISTS comments_tag_source_created_idx
        ON comments (tag, source, created_at DESC, comment_id DESC);
      -- The planner estimates how many rows ILIKE '%q%' matches by testing the pattern on the
      -- column's histogram: 100 texts by default, so a word in 0.15 % of the rows is guessed at
      -- 0.008 % and a search's time slice (api/comments_query.ts) is planned as "every match
      -- of the trigram index, then filter by time" instead of ANDing it with the time index
      -- (10 M rows: 120 ms instead of 21). 1 000 texts tell such words apart; the cost is
      -- planning (each statement with ILIKE in WHERE: 4.5 ms instead of 1.7 at 10 M rows) and
      -- ANALYZE, which samples 300 000 rows instead of 30 000 (3–8 s at 10 M rows).
      ALTER TABLE comments ALTER COLUMN text SET STATISTICS 1000;
      ANALYZE comments (text);
    `,
  },
];
