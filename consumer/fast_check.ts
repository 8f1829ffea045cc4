/**
 * A fast path for the common case of raw comment validation: a well-formed comment in the
 * canonical form the producer writes (exactly the five fields, version 1, ISO `createdAt` as
 * `toISOString` writes it) is accepted with a few typeof checks and two regexes; anything else
 * (invalid, or valid but unusual: no version, `timestamp`, extra fields) goes to the proto's
 * `checkRawComment`, which decides and explains. The fast path accepts only what the zod schema
 * accepts and normalises ids and sources with the same code (`fast_check_test.ts` compares the
 * two), so the outcome never depends on the path taken.
 *
 * @module
 */
import {
  checkRawComment,
  MAX_COMMENT_ID_LENGTH,
  MAX_SOURCE_LENGTH,
  NO_IGNORED_FIELDS,
  normalizeCommentId,
  type RawComment,
  type RawCommentCheck,
  type rawCommentSchema,
  SCHEMA_VERSION,
} from "@sentiment/contracts/messages";

/** CommentIdSchema's character set and length, in one regex. */
const COMMENT_ID = new RegExp(`^[A-Za-z0-9_:.-]{1,${MAX_COMMENT_ID_LENGTH}}$`);
/** `Date.prototype.toISOString` output (UTC, milliseconds) of years 0001-9999. */
const CANONICAL_ISO = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const decoder = new TextDecoder("utf-8", { fatal: true });

/** `checkRawComment` with a fast path for canonical, valid comments. */
export function fastCheckRawComment(
  value: Uint8Array | null,
  schema: ReturnType<typeof rawCommentSchema>,
  maxTextLength: number,
): RawCommentCheck {
  const comment = value === null ? null : canonicalComment(value, maxTextLength);
  return comment === null
    ? checkRawComment(value, schema)
    : { ok: true, comment, ignoredFields: NO_IGNORED_FIELDS };
}

/** The comment when `value` is in the canonical form, else null (exported for its test). */
export function canonicalComment(value: Uint8Array, maxTextLength: number): RawComment | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(value));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const { schemaVersion, commentId, text, source, createdAt } = parsed as Record<string, unknown>;
  // Exactly the five fields (others are the slow path's to count), each as the schema wants it.
  if (Object.keys(parsed).length !== 5) return null;
  if (schemaVersion !== SCHEMA_VERSION) return null;
  if (typeof commentId !== "string" || !COMMENT_ID.test(commentId)) return null;
  if (typeof text !== "string" || text.length > maxTextLength || text.trim().length === 0) {
    return null;
  }
  if (typeof source !== "string") return null;
  // SourceSchema's steps in its order: trim, lowercase, then the length.
  const normalizedSource = source.trim().toLowerCase();
  if (normalizedSource.length === 0 || normalizedSource.length > MAX_SOURCE_LENGTH) return null;
  if (typeof createdAt !== "string" || !CANONICAL_ISO.test(createdAt)) return null;
  // A real instant, written exactly as toISOString writes it (rules out 2026-02-30 and 24:00).
  const time = Date.parse(createdAt);
  if (Number.isNaN(time) || new Date(time).toISOString() !== createdAt) return null;
  return {
    schemaVersion,
    commentId: normalizeCommentId(commentId),
    text,
    source: normalizedSource,
    createdAt,
  };
}
