/**
 * The api's reads of the `comments` table for the stream: rows by seq range, the highest seq,
 * and which transactions are writing to the table (see sequencer.ts for why). Parameterized
 * postgres.js queries only.
 *
 * @module
 */
import type postgres from "postgres";
import { type CommentRow, rowToComment } from "@sentiment/contracts/db/comment_row";
import type { SequenceStore } from "./sequencer.ts";

/**
 * The columns a ProcessedComment is read from (rowToComment), for every query of the api: the
 * sentiment explanations (score, language, reasons; NULL when unknown) included.
 */
export function commentColumns(sql: postgres.Sql): postgres.PendingQuery<postgres.Row[]> {
  return sql`seq, comment_id, text, text_hash, tag, source, created_at, processed_at,
             consumer_id, retry_count, score, language, reasons`;
}

/** The SequenceStore (and HistorySource reads) over a postgres.js pool. */
export function createCommentsStore(sql: postgres.Sql): SequenceStore {
  const columns = commentColumns(sql);
  return {
    async maxSeq() {
      const [row] = await sql<{ max: string | null }[]>`SELECT max(seq) AS max FROM comments`;
      return row.max === null ? 0 : Number(row.max);
    },
    async rowsBetween(after, upTo, limit) {
      const rows = await sql<CommentRow[]>`
        SELECT ${columns}
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
