/**
 * PostgreSQL, the source of truth for "stored once": many rows per INSERT … ON CONFLICT
 * (comment_id) DO NOTHING, and for every row, new or already there, the stored version with its
 * seq, so a comment replayed after a crash is published again exactly as it was stored.
 *
 * Rows are the table's own (`@sentiment/contracts/db/comment_row`), and every column list of the
 * statements below is made from its one list of columns.
 *
 * @module
 */
import type postgres from "postgres";
import {
  COMMENT_COLUMNS,
  COMMENT_INPUT_COLUMNS,
  type CommentColumn,
  type CommentInput,
  type CommentRow,
} from "@sentiment/contracts/db/comment_row";

/** A comment ready to be stored; score, language and reasons are null when unknown. */
export type NewComment = CommentInput;

/**
 * A comment as PostgreSQL holds it, timestamps as ISO text (as `toISOString` writes them);
 * `inserted` is false when the row already existed.
 */
export type StoredComment = Required<CommentRow<string>> & { seq: number; inserted: boolean };

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

/** A row as the statements below return it (seq is a bigint, so text). */
type Row = Omit<StoredComment, "seq"> & { seq: string | number };

// ISO, EXISTING_ROWS and INPUT_RECORD are exported for consumer/store_cpu_bench.ts only, which
// builds the statement shapes it compares from the same pieces.

/** A timestamptz as `Date.prototype.toISOString` would write it (milliseconds, truncated). */
export const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

const COLUMNS = Object.keys(COMMENT_COLUMNS) as CommentColumn[];
const INPUT_COLUMNS = Object.keys(COMMENT_INPUT_COLUMNS).join(", ");

/** A column of table alias `c` as returned: timestamps formatted as ISO text. */
function selected(column: CommentColumn): string {
  return COMMENT_COLUMNS[column] === "timestamptz"
    ? `to_char(c.${column} AT TIME ZONE 'UTC', ${ISO}) AS ${column}`
    : `c.${column}`;
}

/** The full stored row, for comments that existed before the INSERT (alias `c`). */
export const EXISTING_ROWS = `
      SELECT false AS inserted, ${COLUMNS.map(selected).join(", ")}
      FROM comments c`;

/** The input's record definition; comment_id in "C" collation, as the table's key sorts. */
export const INPUT_RECORD = Object.entries(COMMENT_INPUT_COLUMNS)
  .map(([column, type]) => `${column} ${type}${column === "comment_id" ? ` COLLATE "C"` : ""}`)
  .join(", ");

/** What the INSERT returns of a new row: what PostgreSQL assigned to it. */
type InsertedRow = Pick<Row, "seq" | "comment_id" | "processed_at">;

/**
 * Inserts the new ids of the batch (`$1`, a JSON array of {@link NewComment}, as text) and
 * returns what PostgreSQL assigned to each new row; ids already stored are left as they are.
 */
const INSERT = `
      INSERT INTO comments (${INPUT_COLUMNS})
      SELECT ${INPUT_COLUMNS}
      -- json, not jsonb: read as it is parsed, without a jsonb tree built first (about 3 µs
      -- less PostgreSQL CPU per row, consumer/store_cpu_bench.ts). Sent as text: postgres.js
      -- would encode a string given for a json parameter once more.
      FROM json_to_recordset($1::text::json) AS x(${INPUT_RECORD})
      -- One order for every statement: two passes holding copies of the same ids would
      -- otherwise each wait for the other's speculative insertion (a deadlock, 1 s lost).
      ORDER BY comment_id
      ON CONFLICT (comment_id) DO NOTHING
      RETURNING seq, comment_id, to_char(processed_at AT TIME ZONE 'UTC', ${ISO}) AS processed_at`;

/** {@link CommentStore} on postgres.js. */
export class PostgresCommentStore implements CommentStore {
  constructor(readonly sql: postgres.Sql) {}

  async store(comments: readonly NewComment[]): Promise<StoredComment[]> {
    if (comments.length === 0) return [];
    // Only the new rows come back, and of them only what PostgreSQL assigned (seq,
    // processed_at): the rest is what was sent. Timestamps come back as ISO text, which is what
    // the messages carry (no Date parse and format per row).
    const rows = await this.sql.unsafe<InsertedRow[]>(
      INSERT,
      [JSON.stringify(comments)],
      { prepare: true },
    );
    const sent = new Map<string, NewComment>();
    for (const comment of comments) sent.set(comment.comment_id, comment);
    const stored: StoredComment[] = [];
    for (const row of rows) {
      const comment = sent.get(row.comment_id);
      if (comment !== undefined) stored.push(insertedOf(row, comment));
    }
    if (stored.length < comments.length) {
      // Ids stored before (a replay Redis did not catch), or committed by another transaction
      // while the INSERT waited on its conflict: a second statement, with a snapshot that
      // holds both, reads them. Reading them in the INSERT's own statement instead (a UNION
      // with the table) looked up every id of every batch, new or not: a probe of the primary
      // key each, or a scan of the whole table where the planner found that cheaper
      // (consumer/store_cpu_bench.ts, BENCHMARKS.md).
      const found = new Set(stored.map((row) => row.comment_id));
      const missing = comments.map((c) => c.comment_id).filter((id) => !found.has(id));
      stored.push(...await this.find(missing));
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

/** True when `text` is already in the form `Date.prototype.toISOString` gives (UTC, ms). */
function isCanonicalIso(text: string): boolean {
  return text.length === 24 && text.charCodeAt(23) === 90 /* Z */ && text.charCodeAt(19) === 46;
}

function insertedOf(row: InsertedRow, comment: NewComment): StoredComment {
  return {
    ...comment,
    seq: Number(row.seq),
    // As PostgreSQL gives it back: normalised to UTC with milliseconds.
    created_at: isCanonicalIso(comment.created_at)
      ? comment.created_at
      : new Date(comment.created_at).toISOString(),
    processed_at: row.processed_at,
    inserted: true,
  };
}

function storedOf(row: Row): StoredComment {
  return { ...row, seq: Number(row.seq) };
}
