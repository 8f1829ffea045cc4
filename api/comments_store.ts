/**
 * The api's reads of the `comments` table for the stream: rows by seq range, the highest seq,
 * and which transactions are writing to the table (see sequencer.ts for why). Parameterized
 * postgres.js queries only.
 *
 * @module
 */
import type postgres from "postgres";
import { type ProcessedComment, SCHEMA_VERSION } from "@sentiment/proto/messages";
import type { SequenceStore } from "./sequencer.ts";

/** A `comments` row as selected by {@link COMMENT_COLUMNS}. */
export interface CommentRow {
  seq: string | number;
  comment_id: string;
  text: string;
  text_hash: string;
  tag: ProcessedComment["tag"];
  source: ProcessedComment["source"];
  created_at: Date;
  processed_at: Date;
  consumer_id: string;
  retry_count: number;
}

/** Maps a row to the proto ProcessedComment shape (bigint seq arrives as a string). */
export function rowToComment(row: CommentRow): ProcessedComment {
  return {
    schemaVersion: SCHEMA_VERSION,
    commentId: row.comment_id,
    text: row.text,
    source: row.source,
    createdAt: row.created_at.toISOString(),
    textHash: row.text_hash.trim(),
    tag: row.tag,
    processedAt: row.processed_at.toISOString(),
    consumerId: row.consumer_id,
    retryCount: row.retry_count,
    seq: Number(row.seq),
  };
}

/** The SequenceStore (and HistorySource reads) over a postgres.js pool. */
export function createCommentsStore(sql: postgres.Sql): SequenceStore {
  return {
    async maxSeq() {
      const [row] = await sql<{ max: string | null }[]>`SELECT max(seq) AS max FROM comments`;
      return row.max === null ? 0 : Number(row.max);
    },
    async rowsBetween(after, upTo, limit) {
      const rows = await sql<CommentRow[]>`
        SELECT seq, comment_id, text, text_hash, tag, source, created_at, processed_at,
               consumer_id, retry_count
          FROM comments
         WHERE seq > ${after} AND seq <= ${upTo}
         ORDER BY seq
         LIMIT ${limit}`;
      return rows.map(rowToComment);
    },
    async activeWriters() {
      // Every INSERT/UPDATE/DELETE on comments holds RowExclusiveLock from statement start
      // (before it draws a seq) until its transaction ends.
      const rows = await sql<{ vxid: string }[]>`
        SELECT DISTINCT virtualtransaction AS vxid
          FROM pg_locks
         WHERE locktype = 'relation'
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND relation = 'comments'::regclass
           AND mode = 'RowExclusiveLock'
           AND pid IS DISTINCT FROM pg_backend_pid()`;
      return rows.map((row) => row.vxid);
    },
    async stillActive(ids) {
      if (ids.length === 0) return [];
      const rows = await sql<{ vxid: string }[]>`
        SELECT DISTINCT virtualtransaction AS vxid
          FROM pg_locks
         WHERE virtualtransaction = ANY(${ids as string[]}::text[])`;
      return rows.map((row) => row.vxid);
    },
  };
}
