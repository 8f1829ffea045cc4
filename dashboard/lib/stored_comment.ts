/**
 * What the dashboard keeps of a comment, and the localStorage keys it is kept under.
 *
 * @module
 */
import type { z } from "zod";
import { ProcessedCommentSchema, SCHEMA_VERSION } from "@sentiment/contracts/messages";

/**
 * What the dashboard keeps of a comment: what it shows, and what keys and orders it. The rest
 * of a ProcessedComment (text hash, consumer, processing time, retries, schema version) is
 * validated, then dropped: localStorage holds about 5 MB, so a third fewer characters is a third
 * more comments kept and a third less to write. Score, language and reasons are kept only when
 * the comment has them (a comment's details show them).
 */
export const StoredCommentSchema = ProcessedCommentSchema.pick({
  commentId: true,
  seq: true,
  createdAt: true,
  tag: true,
  source: true,
  text: true,
  score: true,
  language: true,
  reasons: true,
});
export type StoredComment = z.infer<typeof StoredCommentSchema>;

/** Where the comments of every shape and layout are kept. */
export const STORAGE_KEY_PREFIX = "sentiment-dashboard/comments/";

/**
 * The revision of {@link StoredCommentSchema}; with the message schema version it names the key,
 * so that rows of another shape are never read as this one. 2 added score, language, reasons.
 */
export const STORED_SHAPE_REVISION = 2;

/**
 * The name of this shape. Its rows are kept under `<name>/manifest` and `<name>/segment/<id>`
 * (segmented_storage.ts); the name alone is the key of the earlier single-key layout.
 */
export const DEFAULT_STORAGE_KEY =
  `${STORAGE_KEY_PREFIX}v${SCHEMA_VERSION}.shown.${STORED_SHAPE_REVISION}`;

/**
 * Single-key snapshots of earlier versions whose rows are rows of this shape (revision 1 lacked
 * only the optional fields), newest first: a returning visitor keeps them, moved into segments.
 */
export const READABLE_EARLIER_KEYS: readonly string[] = [
  DEFAULT_STORAGE_KEY,
  `${STORAGE_KEY_PREFIX}v1.shown`,
];
