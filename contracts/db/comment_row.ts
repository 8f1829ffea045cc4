/**
 * The `comments` table (migrations 1, 4, 5) as its readers and writers see it: the one list of
 * its columns, a row, and its ProcessedComment message. Used by the consumer's store, the api's
 * stream and queries, and tests that play the consumer.
 *
 * @module
 */
import { type ProcessedComment, SCHEMA_VERSION } from "../messages.ts";

/**
 * A `comments` row with the columns a ProcessedComment needs. Timestamps are `Date`s as
 * postgres.js parses them, or ISO 8601 text where a query formats them (`Time = string`).
 */
export interface CommentRow<Time extends Date | string = Date> {
  seq: string | number;
  comment_id: string;
  text: string;
  text_hash: string;
  tag: ProcessedComment["tag"];
  source: ProcessedComment["source"];
  created_at: Time;
  processed_at: Time;
  consumer_id: string;
  retry_count: number;
  /** Migration 5; NULL (or not selected) is unknown and left out of the message. */
  score?: number | null;
  language?: string | null;
  reasons?: readonly string[] | null;
}

/** What a writer gives for a new row: everything but what PostgreSQL assigns. */
export type CommentInput = Required<Omit<CommentRow<string>, "seq" | "processed_at">>;

/**
 * The columns a writer sets, in table order, with their SQL types (as `jsonb_to_recordset`
 * needs them): the one place the list is spelled. `satisfies` holds it to {@link CommentInput}.
 */
export const COMMENT_INPUT_COLUMNS = {
  comment_id: "text",
  text: "text",
  text_hash: "text",
  tag: "text",
  source: "text",
  created_at: "timestamptz",
  consumer_id: "text",
  retry_count: "integer",
  score: "double precision",
  language: "text",
  reasons: "text[]",
} as const satisfies Record<keyof CommentInput, string>;

/** Every column of a {@link CommentRow} with its SQL type: the written ones and the assigned. */
export const COMMENT_COLUMNS = {
  seq: "bigint",
  ...COMMENT_INPUT_COLUMNS,
  processed_at: "timestamptz",
} as const satisfies Record<keyof CommentRow, string>;

/** A column name of {@link COMMENT_COLUMNS}. */
export type CommentColumn = keyof typeof COMMENT_COLUMNS;

/** Maps a row to the proto ProcessedComment shape (bigint seq arrives as a string). */
export function rowToComment(row: CommentRow<Date | string>): ProcessedComment {
  const comment: ProcessedComment = {
    schemaVersion: SCHEMA_VERSION,
    commentId: row.comment_id,
    text: row.text,
    source: row.source,
    createdAt: isoOf(row.created_at),
    textHash: row.text_hash.trim(),
    tag: row.tag,
    processedAt: isoOf(row.processed_at),
    consumerId: row.consumer_id,
    retryCount: row.retry_count,
    seq: Number(row.seq),
  };
  if (row.score !== null && row.score !== undefined) comment.score = row.score;
  if (row.language !== null && row.language !== undefined) comment.language = row.language;
  if (row.reasons !== null && row.reasons !== undefined) comment.reasons = [...row.reasons];
  return comment;
}

function isoOf(time: Date | string): string {
  return typeof time === "string" ? time : time.toISOString();
}
