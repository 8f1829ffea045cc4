/**
 * PostgreSQL, the source of truth for "stored once": many rows per INSERT … ON CONFLICT
 * (comment_id) DO NOTHING, and for every row, new or already there, the stored version with its
 * seq, so a comment replayed after a crash is published again exactly as it was stored.
 *
 * @module
 */
import type postgres from "postgres";
import type { Source, Tag } from "@sentiment/proto/messages";

/** A comment ready to be stored. */
export interface NewComment {
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
export interface StoredComment {
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

/** Additions to the pipeline_counters rows. */
export interface CounterDelta {
  duplicatesDiscarded: number;
  deadLettered: number;
  retryAttempts: number;
}

/** What the pipeline needs from the database. */
export interface CommentStore {
  /** Inserts the new ids and returns the stored row of every given id. */
  store(comments: readonly NewComment[]): Promise<StoredComment[]>;
  /** Adds to the counters in one statement (nothing when all are zero). */
  addCounters(delta: CounterDelta): Promise<void>;
}

interface Row {
  inserted: boolean;
  seq: string | number;
  comment_id: string;
  text: string;
  text_hash: string;
  tag: Tag;
  source: Source;
  created_at: Date;
  processed_at: Date;
  consumer_id: string;
  retry_count: number;
}

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
    })));
    // The outer SELECT runs on the statement's snapshot, which does not contain the CTE's own
    // inserts: its second half returns exactly the rows that existed before.
    const rows = await this.sql<Row[]>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS x(
          comment_id uuid, text text, text_hash text, tag text, source text,
          created_at timestamptz, consumer_id text, retry_count integer)
      ), inserted AS (
        INSERT INTO comments
          (comment_id, text, text_hash, tag, source, created_at, consumer_id, retry_count)
        SELECT comment_id, text, text_hash, tag, source, created_at, consumer_id, retry_count
        FROM input
        ON CONFLICT (comment_id) DO NOTHING
        RETURNING seq, comment_id, processed_at
      )
      -- New rows hold what was sent: only their seq and processed_at come back.
      SELECT true AS inserted, seq, comment_id, NULL AS text, NULL AS text_hash, NULL AS tag,
             NULL AS source, NULL::timestamptz AS created_at, processed_at,
             NULL AS consumer_id, NULL::integer AS retry_count
      FROM inserted
      UNION ALL
      SELECT false AS inserted, c.seq, c.comment_id, c.text, c.text_hash, c.tag, c.source,
             c.created_at, c.processed_at, c.consumer_id, c.retry_count
      FROM comments c WHERE c.comment_id IN (SELECT comment_id FROM input)`;
    const sent = new Map(comments.map((comment) => [comment.commentId, comment]));
    const stored = rows.map((row) =>
      row.inserted ? insertedOf(row, sent.get(row.comment_id)!) : storedOf(row)
    );
    if (stored.length < comments.length) {
      // A row another transaction committed while this statement waited on its conflict is in
      // neither half; a new statement (new snapshot) sees it.
      const found = new Set(stored.map((row) => row.commentId));
      const missing = comments.map((c) => c.commentId).filter((id) => !found.has(id));
      const late = await this.sql<Row[]>`
        SELECT false AS inserted, seq, comment_id, text, text_hash, tag, source, created_at,
               processed_at, consumer_id, retry_count
        FROM comments
        WHERE comment_id IN (
          SELECT value::uuid FROM jsonb_array_elements_text(${this.sql.json(missing)}::jsonb))`;
      stored.push(...late.map(storedOf));
    }
    return stored;
  }

  async addCounters(delta: CounterDelta): Promise<void> {
    const { duplicatesDiscarded, deadLettered, retryAttempts } = delta;
    if (duplicatesDiscarded + deadLettered + retryAttempts === 0) return;
    await this.sql`
      UPDATE pipeline_counters SET value = value + CASE name
        WHEN 'duplicates_discarded' THEN ${duplicatesDiscarded}::bigint
        WHEN 'dead_lettered' THEN ${deadLettered}::bigint
        WHEN 'retry_attempts' THEN ${retryAttempts}::bigint
        ELSE 0 END
      WHERE name IN ('duplicates_discarded', 'dead_lettered', 'retry_attempts')`;
  }
}

function insertedOf(row: Row, comment: NewComment): StoredComment {
  return {
    ...comment,
    // As PostgreSQL gives it back: normalised to UTC.
    createdAt: new Date(comment.createdAt).toISOString(),
    seq: Number(row.seq),
    processedAt: row.processed_at.toISOString(),
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
    createdAt: row.created_at.toISOString(),
    processedAt: row.processed_at.toISOString(),
    consumerId: row.consumer_id,
    retryCount: row.retry_count,
    inserted: row.inserted,
  };
}
