/**
 * A fast path for the common case of raw comment validation: a well-formed comment in the
 * canonical form the producer writes (exactly the five fields, version 1, ISO `createdAt` as
 * `toISOString` writes it) is accepted with a few typeof checks, two regexes and some digit
 * arithmetic; anything else
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
import { Buffer } from "node:buffer";

/** CommentIdSchema's character set and length, in one regex. */
const COMMENT_ID = new RegExp(`^[A-Za-z0-9_:.-]{1,${MAX_COMMENT_ID_LENGTH}}$`);
/**
 * An id already in its normalised spelling: no capital letter, so normalizeCommentId (which
 * lowercases UUIDs and keeps other ids) would return it unchanged. One regex instead of two.
 */
const LOWERCASE_COMMENT_ID = new RegExp(`^[a-z0-9_:.-]{1,${MAX_COMMENT_ID_LENGTH}}$`);
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
  const json = utf8Text(value);
  if (json === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const { schemaVersion, commentId, text, source, createdAt } = parsed as Record<string, unknown>;
  // Exactly the five fields (others are the slow path's to count), each as the schema wants it.
  if (Object.keys(parsed).length !== 5) return null;
  if (schemaVersion !== SCHEMA_VERSION) return null;
  if (typeof commentId !== "string") return null;
  const lowercase = LOWERCASE_COMMENT_ID.test(commentId);
  if (!lowercase && !COMMENT_ID.test(commentId)) return null;
  if (typeof text !== "string" || text.length > maxTextLength || text.trim().length === 0) {
    return null;
  }
  if (typeof source !== "string") return null;
  // SourceSchema's steps in its order: trim, lowercase, then the length.
  const normalizedSource = source.trim().toLowerCase();
  if (normalizedSource.length === 0 || normalizedSource.length > MAX_SOURCE_LENGTH) return null;
  if (typeof createdAt !== "string" || !CANONICAL_ISO.test(createdAt)) return null;
  if (!isRealInstant(createdAt)) return null;
  return {
    schemaVersion,
    commentId: lowercase ? commentId : normalizeCommentId(commentId),
    text,
    source: normalizedSource,
    createdAt,
  };
}

/**
 * `value` as UTF-8 text, or null when it is not valid UTF-8. Buffer's decoder costs a fifth of
 * TextDecoder's here but replaces malformed bytes with U+FFFD instead of refusing them, so a
 * text holding U+FFFD (malformed, or a real U+FFFD) is decoded again by the strict decoder.
 */
function utf8Text(value: Uint8Array): string | null {
  const bytes = Buffer.isBuffer(value)
    ? value
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const text = bytes.toString("utf8");
  if (!text.includes("\uFFFD")) return text;
  try {
    return decoder.decode(value);
  } catch {
    return null;
  }
}

/** Days of each month (1-12) outside leap years. */
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digits `from` to `from + count` of `text` (checked as digits by CANONICAL_ISO) as a number. */
function digits(text: string, from: number, count: number): number {
  let number = 0;
  for (let i = from; i < from + count; i++) number = number * 10 + text.charCodeAt(i) - 48;
  return number;
}

/**
 * Whether a `createdAt` of CANONICAL_ISO's form is a real instant, i.e. exactly what
 * `toISOString` writes for the time `Date.parse` reads from it (rules out 2026-02-30, 24:00,
 * :60). Checked on the digits: a Date parse and format cost ~1.7 µs a comment.
 */
function isRealInstant(iso: string): boolean {
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month];
  return day <= days && digits(iso, 11, 2) < 24 && digits(iso, 14, 2) < 60 &&
    digits(iso, 17, 2) < 60;
}
