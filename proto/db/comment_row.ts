/**
 * A row of the `comments` table (migrations 1, 4, 5) and its ProcessedComment message, for
 * every reader of the table: the api's stream and queries, and tests that play the consumer.
 *
 * @module
 */
import { type ProcessedComment, SCHEMA_VERSION } from "../messages.ts";

/** A `comments` row with the columns a ProcessedComment needs. */
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
  /** Migration 5; NULL (or not selected) is unknown and left out of the message. */
  score?: number | null;
  language?: string | null;
  reasons?: string[] | null;
}

/** Maps a row to the proto ProcessedComment shape (bigint seq arrives as a string). */
export function rowToComment(row: CommentRow): ProcessedComment {
  const comment: ProcessedComment = {
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
  if (row.score !== null && row.score !== undefined) comment.score = row.score;
  if (row.language !== null && row.language !== undefined) comment.language = row.language;
  if (row.reasons !== null && row.reasons !== undefined) comment.reasons = row.reasons;
  return comment;
}
