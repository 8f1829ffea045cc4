/**
 * A fast path for the common case of raw comment validation: a well-formed comment in the
 * canonical form the producer writes is accepted with a few typeof checks and two regexes;
 * anything else (invalid, or valid but unusual) goes to the proto's `checkRawComment`, which
 * decides and explains. The fast path accepts only what the zod schema accepts
 * (`fast_check_test.ts` compares the two), so the outcome never depends on the path taken.
 *
 * @module
 */
import {
  checkRawComment,
  type RawComment,
  type RawCommentCheck,
  type rawCommentSchema,
  SCHEMA_VERSION,
  SOURCES,
} from "@sentiment/proto/messages";

/** The uuid forms zod's `z.uuid()` accepts, lowercase or uppercase hex. */
const UUID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
/** `Date.prototype.toISOString` output (UTC, milliseconds); the date itself is checked apart. */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SOURCE_SET: ReadonlySet<unknown> = new Set(SOURCES);
const decoder = new TextDecoder("utf-8", { fatal: true });

/** `checkRawComment` with a fast path for canonical, valid comments. */
export function fastCheckRawComment(
  value: Uint8Array | null,
  schema: ReturnType<typeof rawCommentSchema>,
  maxTextLength: number,
): RawCommentCheck {
  const comment = value === null ? null : canonicalComment(value, maxTextLength);
  return comment === null ? checkRawComment(value, schema) : { ok: true, comment };
}

function canonicalComment(value: Uint8Array, maxTextLength: number): RawComment | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(value));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const { schemaVersion, commentId, text, source, createdAt } = parsed as Record<string, unknown>;
  // Exactly the five fields (the schema is strict), each as the schema wants it.
  if (Object.keys(parsed).length !== 5) return null;
  if (schemaVersion !== SCHEMA_VERSION) return null;
  if (typeof commentId !== "string" || !UUID.test(commentId)) return null;
  if (typeof text !== "string" || text.length > maxTextLength || text.trim().length === 0) {
    return null;
  }
  if (!SOURCE_SET.has(source)) return null;
  if (typeof createdAt !== "string" || !CANONICAL_ISO.test(createdAt)) return null;
  // A real instant, written exactly as toISOString writes it (rules out 2026-02-30 and 24:00).
  const time = Date.parse(createdAt);
  if (Number.isNaN(time) || new Date(time).toISOString() !== createdAt) return null;
  // PostgreSQL's uuid type answers in lowercase; the schema normalises the same way.
  return {
    schemaVersion,
    commentId: commentId.toLowerCase(),
    text,
    source,
    createdAt,
  } as RawComment;
}
