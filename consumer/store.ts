/**
 * PostgreSQL, the source of truth for "stored once": many rows per INSERT … ON CONFLICT
 * (comment_id) DO NOTHING, and for every row, new or already there, the stored version with its
 * seq, so a comment replayed after a crash is published again exactly as it was stored.
 *
 * @module
 */
import type postgres from "postgres";
import type { Source, Tag } from "@sentiment/proto/messages";

/** What sentiment said besides the tag; null is unknown (stored as NULL). */
export interface Explanation {
  score: number | null;
  language: string | null;
  reasons: readonly string[] | null;
}

/** A comment ready to be stored. */
export interface NewComment extends Explanation {
  commentId: string;
  text: string;
  textHash: string;
  tag: Tag;
  source: Source;
  createdAt: string;
  consumerId: string;
  retryCount: number;
}

/** A comment as PostgreSQL holds it; `inserted` is false when the row already existed. */
export interface StoredComment extends Explanation {
  seq: number;
  commentId: string;
  text: string;
  textHash: string;
  tag: Tag;
  source: Source;
  createdAt: string;
  processedAt: string;
  consumerId: string;
  retryCount: number;
  inserted: boolean;
}

/** Additions to the pipeline counters (appended as delta rows, see migration 3). */
export interface CounterDelta {
  duplicatesDiscarded: number;
  deadLettered: number;
  retryAttempts: number;
}

/** What the pipeline needs from the database. */
export interface CommentStore {
  /** Inserts the new ids and returns the stored row of every given id. */
  store(comments: readonly NewComment[]): Promise<StoredComment[]>;
  /** The stored rows of those ids that are stored (nothing is inserted). */
  find(commentIds: readonly string[]): Promise<StoredComment[]>;
  /** Adds to the counters in one statement (nothing when all are zero). */
  addCounters(delta: CounterDelta): Promise<void>;
  /**
   * Folds the counter deltas of every writer into the totals; false when another session was
   * doing it at that moment. Housekeeping only: readers add totals and deltas.
   */
  compactCounters(): Promise<boolean>;
}

interface Row {
  inserted: boolean;
  seq: string | number;
  comment_id: string;
  text: string;
  text_hash: string;
  tag: Tag;
  source: Source;
  /** ISO 8601 in UTC with milliseconds, formatted by PostgreSQL (no Date round trip). */
  created_at: string;
  processed_at: string;
  consumer_id: string;
  retry_count: number;
  score: number | null;
  language: string | null;
  reasons: string[] | null;
}

/** A timestamptz as `Date.prototype.toISOString` would write it (milliseconds, truncated). */
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** {@link CommentStore} on postgres.js. */
export class PostgresCommentStore implements CommentStore {
  constructor(readonly sql: postgres.Sql) {}

  async store(comments: readonly NewComment[]): Promise<StoredComment[]> {
    if (comments.length === 0) return [];
    const input = this.sql.json(comments.map((comment) => ({
      comment_id: comment.commentId,
      text: comment.text,
      text_hash: comment.textHash,
      tag: comment.tag,
      source: comment.source,
      created_at: comment.createdAt,
      consumer_id: comment.consumerId,
      retry_count: comment.retryCount,
      score: comment.score,
      language: comment.language,
      reasons: comment.reasons,
    })));
    // The outer SELECT runs on the statement's snapshot, which does not contain the CTE's own
    // inserts: its second half returns exactly the rows that existed before. Timestamps come
    // back as ISO text, which is what the messages carry (no Date parse and format per row).
    const rows = await this.sql.unsafe<Row[]>(
      `
      WITH input AS (
        SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
          comment_id text COLLATE "C", text text, text_hash text, tag text, source text,
          created_at timestamptz, consumer_id text, retry_count integer,
          score double precision, language text, reasons text[])
      ), inserted AS (
        INSERT INTO comments
          (comment_id, text, text_hash, tag, source, created_at, consumer_id, retry_count,
           score, language, reasons)
        SELECT comment_id, text, text_hash, tag, source, created_at, consumer_id, retry_count,
               score, language, reasons
        FROM input
        -- One order for every statement: two passes holding copies of the same ids would
        -- otherwise each wait for the other's speculative insertion (a deadlock, 1 s lost).
        ORDER BY comment_id
        ON CONFLICT (comment_id) DO NOTHING
        RETURNING seq, comment_id, processed_at
      )
      -- New rows hold what was sent: only their seq and processed_at come back.
      SELECT true AS inserted, seq, comment_id, NULL AS text, NULL AS text_hash,
             NULL AS tag, NULL AS source, NULL AS created_at,
             to_char(processed_at AT TIME ZONE 'UTC', ${ISO}) AS processed_at,
             NULL AS consumer_id, NULL::integer AS retry_count,
             NULL::double precision AS score, NULL AS language, NULL::text[] AS reasons
      FROM inserted
      UNION ALL
      ${EXISTING_ROWS} WHERE c.comment_id IN (SELECT comment_id FROM input)`,
      [input as unknown as string],
      { prepare: true },
    );
    const sent = new Map<string, NewComment>();
    for (const comment of comments) sent.set(comment.commentId, comment);
    const stored = rows.map((row) =>
      row.inserted ? insertedOf(row, sent.get(row.comment_id)!) : storedOf(row)
    );
    if (stored.length < comments.length) {
      // A row another transaction committed while this statement waited on its conflict is in
      // neither half; a new statement (new snapshot) sees it.
      const found = new Set(stored.map((row) => row.commentId));
      const missing = comments.map((c) => c.commentId).filter((id) => !found.has(id));
      const late = await this.sql.unsafe<Row[]>(
        `${EXISTING_ROWS}
        WHERE c.comment_id IN (SELECT value FROM jsonb_array_elements_text($1::jsonb))`,
        [this.sql.json(missing) as unknown as string],
      );
      stored.push(...late.map(storedOf));
    }
    return stored;
  }

  async find(commentIds: readonly string[]): Promise<StoredComment[]> {
    if (commentIds.length === 0) return [];
    const rows = await this.sql.unsafe<Row[]>(
      `${EXISTING_ROWS}
      WHERE c.comment_id IN (SELECT value FROM jsonb_array_elements_text($1::jsonb))`,
      [this.sql.json(commentIds) as unknown as string],
    );
    return rows.map(storedOf);
  }

  async addCounters(delta: CounterDelta): Promise<void> {
    const { duplicatesDiscarded, deadLettered, retryAttempts } = delta;
    if (duplicatesDiscarded + deadLettered + retryAttempts === 0) return;
    // Appended, never updated: concurrent passes and instances take no lock on a shared row.
    await this.sql`
      INSERT INTO pipeline_counter_deltas (name, value)
      SELECT name, value FROM (VALUES
        ('duplicates_discarded', ${duplicatesDiscarded}::bigint),
        ('dead_lettered', ${deadLettered}::bigint),
        ('retry_attempts', ${retryAttempts}::bigint)) AS d (name, value)
      WHERE value <> 0`;
  }

  async compactCounters(): Promise<boolean> {
    const [row] = await this.sql<{ compacted: boolean }[]>`SELECT compact_counters() AS compacted`;
    return row.compacted;
  }
}

/** The full stored row, for comments that existed before the INSERT (alias `c`). */
const EXISTING_ROWS = `
      SELECT false AS inserted, c.seq, c.comment_id, c.text, c.text_hash, c.tag, c.source,
             to_char(c.created_at AT TIME ZONE 'UTC', ${ISO}) AS created_at,
             to_char(c.processed_at AT TIME ZONE 'UTC', ${ISO}) AS processed_at,
             c.consumer_id, c.retry_count, c.score, c.language, c.reasons
      FROM comments c`;

/** True when `text` is already in the form `Date.prototype.toISOString` gives (UTC, ms). */
function isCanonicalIso(text: string): boolean {
  return text.length === 24 && text.charCodeAt(23) === 90 /* Z */ && text.charCodeAt(19) === 46;
}

function insertedOf(row: Row, comment: NewComment): StoredComment {
  return {
    seq: Number(row.seq),
    commentId: comment.commentId,
    text: comment.text,
    textHash: comment.textHash,
    tag: comment.tag,
    source: comment.source,
    // As PostgreSQL gives it back: normalised to UTC with milliseconds.
    createdAt: isCanonicalIso(comment.createdAt)
      ? comment.createdAt
      : new Date(comment.createdAt).toISOString(),
    processedAt: row.processed_at,
    consumerId: comment.consumerId,
    retryCount: comment.retryCount,
    score: comment.score,
    language: comment.language,
    reasons: comment.reasons,
    inserted: true,
  };
}

function storedOf(row: Row): StoredComment {
  return {
    seq: Number(row.seq),
    commentId: row.comment_id,
    text: row.text,
    textHash: row.text_hash,
    tag: row.tag,
    source: row.source,
    createdAt: row.created_at,
    processedAt: row.processed_at,
    consumerId: row.consumer_id,
    retryCount: row.retry_count,
    score: row.score,
    language: row.language,
    reasons: row.reasons,
    inserted: row.inserted,
  };
}
