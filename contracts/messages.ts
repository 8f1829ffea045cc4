/**
 * The Kafka messages that flow between the services, as zod schemas with their inferred types.
 * Every producer and reader of a topic imports these; nobody re-declares a message shape.
 *
 * ## Compatibility policy
 *
 * Every message carries `schemaVersion`. The rules (also in `contracts/README.md`):
 *
 * - **Adding an optional field keeps the version.** Writers may add one at any time; a reader
 *   that does not know it ignores it (the schemas below are `z.object`, which drops unknown
 *   keys, never `z.strictObject`).
 * - **Readers ignore unknown fields** and accept what the version allows, so an old reader keeps
 *   working when a writer starts sending a new optional field.
 * - **Widening what a field accepts keeps the version** (any id instead of UUIDs, any source
 *   instead of six, a new tag or dead-letter reason): every message valid before still is. But a
 *   reader that checks the old set refuses the new values, so it is rolled out readers first,
 *   like a new version. Open ids and sources went out this way: every reader in the same
 *   release, before any producer sends them.
 * - **Removing a field, making an optional field required, narrowing what a field accepts, or
 *   changing a field's type or meaning bumps the version.** A reader rejects versions above the
 *   ones it knows (raw comments: dead letter `unsupported_schema_version`), never guesses.
 * - **Rolling out a new version (or a widened field): readers first.** Deploy readers that
 *   accept both the old and the new, wait until every instance runs them (consumers of a group
 *   share partitions, so one old instance would dead-letter its share), then let writers send
 *   the new. Writers keep sending the old until then. Dead letters of
 *   `unsupported_schema_version` written during a mistaken rollout are replayed with
 *   `deno task dlq replay --reason unsupported_schema_version` once the readers are upgraded.
 * - **Strict in what we emit.** Messages this project writes always carry every required field
 *   in its canonical form (this is why the producer still writes `schemaVersion: 1`, UUIDs and
 *   ISO `createdAt`); the tolerance is for what other teams' producers send us.
 *
 * @module
 */
import { z } from "zod";

/**
 * The message version this code writes, and the newest it reads. `raw-comments`,
 * `processed-comments` and the dead-letter queue are all at version 1.
 */
export const SCHEMA_VERSION = 1 as const;

/** Default topic names; each is overridable by the environment variable next to it. */
export const TOPIC_DEFAULTS = {
  raw: { env: "KAFKA_TOPIC_RAW", name: "raw-comments" },
  processed: { env: "KAFKA_TOPIC_PROCESSED", name: "processed-comments" },
  deadLetter: { env: "KAFKA_TOPIC_DLQ", name: "dead-letter-queue" },
} as const;

/**
 * The sources this project knows by name (the mock producer writes these). Any other source is
 * accepted too: see {@link SourceSchema}.
 */
export const KNOWN_SOURCES = [
  "twitter",
  "instagram",
  "facebook",
  "tiktok",
  "youtube",
  "reddit",
] as const;
export type KnownSource = typeof KNOWN_SOURCES[number];

/** Display labels of the known sources; other sources are shown as sent (see sourceLabel). */
export const KNOWN_SOURCE_LABELS: Readonly<Record<KnownSource, string>> = {
  twitter: "Twitter",
  instagram: "Instagram",
  facebook: "Facebook",
  tiktok: "TikTok",
  youtube: "YouTube",
  reddit: "Reddit",
};

/** The label of a source: the known one's, or the source itself. */
export function sourceLabel(source: string): string {
  return Object.hasOwn(KNOWN_SOURCE_LABELS, source)
    ? KNOWN_SOURCE_LABELS[source as KnownSource]
    : source;
}

/** @deprecated The known sources are not all sources any more: use KNOWN_SOURCES. */
export const SOURCES = KNOWN_SOURCES;

/** Longest source name accepted. */
export const MAX_SOURCE_LENGTH = 64;

/**
 * Where a comment was posted: any non-empty string of up to 64 characters, trimmed and
 * lowercased (so "Twitter" and " twitter " are the same source). Applying it again changes
 * nothing, so readers of processed comments use it too.
 */
export const SourceSchema = z.string()
  .trim()
  .toLowerCase()
  .min(1, "source is empty")
  .max(MAX_SOURCE_LENGTH, `source is longer than ${MAX_SOURCE_LENGTH} characters`);
export type Source = z.infer<typeof SourceSchema>;

export const TAGS = ["POSITIVE", "NEGATIVE", "NEUTRAL", "UNRELATED"] as const;
export const TagSchema = z.enum(TAGS);
export type Tag = z.infer<typeof TagSchema>;

/** Longest comment text accepted anywhere in the pipeline unless configured otherwise. */
export const DEFAULT_MAX_TEXT_LENGTH = 5_000;

/** Longest comment id accepted. */
export const MAX_COMMENT_ID_LENGTH = 128;

/** The characters a comment id may use: safe in Redis keys, URLs, logs and SSE without escaping. */
const COMMENT_ID_CHARACTERS = /^[A-Za-z0-9_:.-]*$/;

/** The UUID text form (8-4-4-4-12 hex digits), whatever its version bits. */
const UUID_FORM = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * A comment id in its one spelling: a UUID is lowercased (hex digits are case-insensitive, and
 * ids stored before ids were opened were lowercased UUIDs, so an id sent in capitals is the
 * same comment); any other id is kept exactly as sent, because platform ids are case-sensitive
 * (YouTube's `UgzDE2tasfmrYLyNkGt4AaABAg` and `ugzde2tasfmrylynkgt4aaabag` are two comments).
 */
export function normalizeCommentId(id: string): string {
  return id.length === 36 && UUID_FORM.test(id) ? id.toLowerCase() : id;
}

/**
 * A comment id: 1–128 characters of letters, digits and `-_:.` (UUIDs, tweet ids such as
 * "1864123456789012345", YouTube ids, `platform:id` pairs). Normalised by normalizeCommentId;
 * Redis keys, the primary key, SSE and the api use the result unchanged.
 */
export const CommentIdSchema = z.string()
  .min(1, "commentId is empty")
  .max(MAX_COMMENT_ID_LENGTH, `commentId is longer than ${MAX_COMMENT_ID_LENGTH} characters`)
  .regex(COMMENT_ID_CHARACTERS, "commentId may only hold letters, digits and - _ : .")
  .overwrite(normalizeCommentId);

/** Epoch numbers below this are seconds, from it on milliseconds (see epochMillis). */
export const EPOCH_SECONDS_BELOW = 100_000_000_000;

/**
 * Milliseconds since 1970 of an epoch number, in seconds or milliseconds decided by magnitude:
 * |n| < 100 000 000 000 is seconds (that many seconds reach the year 5138), anything larger is
 * milliseconds (that many milliseconds are past 1973-03-03). So every instant from 1973 to 5138
 * is read right in either unit. Fractions are kept to the millisecond.
 */
export function epochMillis(value: number): number {
  return Math.abs(value) < EPOCH_SECONDS_BELOW ? value * 1000 : value;
}

/** ISO 8601 extended date-time; `T`, `t` or a space between date and time; offset optional. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * Milliseconds since 1970 of an ISO 8601 date-time, or null when it is not one or names no real
 * instant (2026-02-30, 24:00, a 60th second). Without an offset the time is taken as UTC.
 * Digits past the millisecond are dropped, as `Date` does.
 */
export function isoMillis(text: string): number | null {
  const parts = ISO_DATE_TIME.exec(text);
  if (parts === null) return null;
  const [year, month, day, hour, minute] = parts.slice(1, 6).map(Number);
  const second = parts[6] === undefined ? 0 : Number(parts[6]);
  const millis = parts[7] === undefined ? 0 : Number(parts[7].slice(0, 3).padEnd(3, "0"));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  date.setUTCHours(hour, minute, second, millis);
  let offsetMinutes = 0;
  if (parts[9] !== undefined) {
    const offsetHours = Number(parts[10]);
    const offsetRest = Number(parts[11]);
    if (offsetHours > 23 || offsetRest > 59) return null;
    offsetMinutes = (parts[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  return date.getTime() - offsetMinutes * 60_000;
}

/** Earliest and latest instants stored: years 0001–9999, which every reader can write as ISO. */
const EARLIEST_MS = new Date("0001-01-01T00:00:00.000Z").getTime();
const LATEST_MS = new Date("9999-12-31T23:59:59.999Z").getTime();

/** The canonical ISO form (`Date.prototype.toISOString`) of `millis`, or null when out of range. */
function canonicalIso(millis: number): string | null {
  if (!Number.isFinite(millis)) return null;
  const whole = Math.trunc(millis);
  return whole < EARLIEST_MS || whole > LATEST_MS ? null : new Date(whole).toISOString();
}

/** An ISO 8601 date-time string → its canonical ISO form (UTC, milliseconds). */
function isoInstant(field: string) {
  return z.string().transform((text, ctx) => {
    const millis = isoMillis(text);
    const iso = millis === null ? null : canonicalIso(millis);
    if (iso === null) {
      ctx.issues.push({
        code: "custom",
        input: text,
        message: millis === null
          ? `${field} is not an ISO 8601 date-time (e.g. 2026-12-02T08:51:43.748Z)`
          : `${field} is outside the years 0001-9999`,
      });
      return z.NEVER;
    }
    return iso;
  });
}

/** An epoch number (seconds or milliseconds, see epochMillis) → its canonical ISO form. */
const epochInstant = z.number().transform((value, ctx) => {
  const iso = canonicalIso(epochMillis(value));
  if (iso === null) {
    ctx.issues.push({
      code: "custom",
      input: value,
      message: "timestamp is outside the years 0001-9999",
    });
    return z.NEVER;
  }
  return iso;
});

/** The fields a raw comment of this version has; any other is ignored (and counted). */
export const RAW_COMMENT_FIELDS: ReadonlySet<string> = new Set([
  "schemaVersion",
  "commentId",
  "text",
  "source",
  "createdAt",
  "timestamp",
]);

/**
 * Builds the raw comment schema for a text length limit (configurable per deployment). A
 * tolerant reader of what any producer writes:
 *
 * - `schemaVersion` missing means 1; a version above {@link SCHEMA_VERSION} is refused as
 *   `unsupported_schema_version` (its fields may mean something else).
 * - `createdAt` is an ISO 8601 date-time; `timestamp` (the product description's name) may
 *   stand for it, as an ISO 8601 date-time or an epoch number (see epochMillis). Without an
 *   offset, UTC is assumed. When both are sent both must be valid, and `createdAt` wins (it is
 *   this project's own field). Either way the comment carries it in canonical ISO form (UTC,
 *   milliseconds).
 * - Unknown fields are dropped (see RAW_COMMENT_FIELDS); types stay strict (a number for
 *   `text` is invalid).
 */
export function rawCommentSchema(maxTextLength = DEFAULT_MAX_TEXT_LENGTH) {
  return z.object({
    schemaVersion: z.int()
      .min(1, "schemaVersion starts at 1")
      .refine((version) => version <= SCHEMA_VERSION, {
        message: `schemaVersion is newer than this reader knows (up to ${SCHEMA_VERSION})`,
      })
      .optional(),
    commentId: CommentIdSchema,
    text: z.string()
      .refine((text) => text.trim().length > 0, { message: "text is empty" })
      .refine((text) => text.length <= maxTextLength, {
        message: `text is longer than ${maxTextLength} characters`,
      }),
    source: SourceSchema,
    createdAt: isoInstant("createdAt").optional(),
    timestamp: z.union([epochInstant, isoInstant("timestamp")]).optional(),
  }).transform((raw, ctx) => {
    const createdAt = raw.createdAt ?? raw.timestamp;
    if (createdAt === undefined) {
      ctx.issues.push({
        code: "custom",
        input: raw,
        path: ["createdAt"],
        message: "createdAt (or timestamp) is required",
      });
      return z.NEVER;
    }
    return {
      schemaVersion: SCHEMA_VERSION,
      commentId: raw.commentId,
      text: raw.text,
      source: raw.source,
      createdAt,
    };
  });
}

/** A raw comment as the consumer works with it: normalised, whatever the sender wrote. */
export const RawCommentSchema = rawCommentSchema();
export type RawComment = z.infer<typeof RawCommentSchema>;

const isoTimestamp = z.iso.datetime({ offset: true });

/** Most entries in `reasons`, and the longest entry. */
export const MAX_REASONS = 8;
export const MAX_REASON_LENGTH = 64;

/** ISO 639-1 code (two lowercase letters) or "und" (undetermined). */
export const LanguageSchema = z.string().regex(
  /^(?:[a-z]{2}|und)$/,
  'language must be an ISO 639-1 code or "und"',
);

/**
 * A comment after the consumer stored it, as published to `processed-comments`. The consumer
 * writes every required field; readers ignore fields they do not know.
 */
export const ProcessedCommentSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  commentId: CommentIdSchema,
  text: z.string(),
  source: SourceSchema,
  createdAt: isoTimestamp,
  textHash: z.string().regex(/^[0-9a-f]{64}$/, "textHash must be 64 lowercase hex digits"),
  tag: TagSchema,
  processedAt: isoTimestamp,
  consumerId: z.string().min(1),
  /** The number of failed sentiment attempts before the result. */
  retryCount: z.int().min(0),
  /** Monotonic position in PostgreSQL, the SSE event id that clients resume from. */
  seq: z.int().min(1),
  /** Opinion strength in [-1, 1] as the sentiment service gave it; absent when unknown. */
  score: z.number().min(-1).max(1).optional(),
  /** The detected language; absent when unknown (stored before, or by an older service). */
  language: LanguageSchema.optional(),
  /** The few terms or rules that decided the tag, most important first; absent when unknown. */
  reasons: z.array(z.string().min(1).max(MAX_REASON_LENGTH)).max(MAX_REASONS).optional(),
});
export type ProcessedComment = z.infer<typeof ProcessedCommentSchema>;

/** Why a message ended on the dead-letter queue. */
export const DEAD_LETTER_REASONS = [
  "invalid_json",
  "invalid_schema",
  "unsupported_schema_version",
  "text_empty",
  "text_too_long",
  "sentiment_invalid_argument",
  "sentiment_retries_exhausted",
  /** The raw value is larger than the consumer's MAX_MESSAGE_BYTES; not parsed. */
  "message_too_large",
  /** Kafka refused to take the stored comment's processed-comments message. */
  "publish_refused",
] as const;
export const DeadLetterReasonSchema = z.enum(DEAD_LETTER_REASONS);
export type DeadLetterReason = z.infer<typeof DeadLetterReasonSchema>;

/** A message the consumer gave up on, kept with its original bytes for investigation and replay. */
export const DeadLetterSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  /**
   * One of DEAD_LETTER_REASONS when this version wrote it; readers accept any, so a reason
   * added later is shown rather than making the letter unreadable.
   */
  reason: z.string().min(1),
  /** Human-readable explanation, e.g. the zod issues or the last gRPC error. */
  detail: z.string(),
  /** Sentiment attempts made (0 for invalid input). */
  attempts: z.int().min(0),
  /** Present when the original message carried a readable commentId. */
  commentId: z.string().nullable(),
  originalTopic: z.string(),
  originalPartition: z.int().min(0),
  originalOffset: z.string(),
  /**
   * The original Kafka message value, base64, byte for byte; only its first bytes when
   * `originalValueTruncated` (a dead letter must always fit the broker's message size limit).
   */
  originalValueBase64: z.string(),
  /** The original message key, base64, or null when it had none (truncated like the value). */
  originalKeyBase64: z.string().nullable(),
  /** Size of the original value in bytes (absent in letters written before it existed). */
  originalValueBytes: z.int().min(0).optional(),
  /** SHA-256 hex of the whole original value, to find it in the original topic. */
  originalValueSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** True when originalValueBase64 holds only the first bytes of the value. */
  originalValueTruncated: z.boolean().optional(),
  /** True when the original key was longer than what originalKeyBase64 holds. */
  originalKeyTruncated: z.boolean().optional(),
  /** True when the original value was null (a tombstone), not empty. */
  originalValueNull: z.boolean().optional(),
  failedAt: isoTimestamp,
  consumerId: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** The outcome of checking one raw Kafka value: the comment, or why it is unusable. */
export type RawCommentCheck =
  | {
    ok: true;
    comment: RawComment;
    /** Top-level fields the message had that this version does not know (ignored). */
    ignoredFields: readonly string[];
  }
  | { ok: false; reason: DeadLetterReason; detail: string; commentId: string | null };

/** The ignoredFields of a message that had none (shared, so the common case allocates nothing). */
export const NO_IGNORED_FIELDS: readonly string[] = Object.freeze([]);

/**
 * Parses and validates a raw Kafka message value. Never throws: a bad value comes back with the
 * dead-letter reason and a readable detail.
 */
export function checkRawComment(
  value: Uint8Array | null,
  schema: ReturnType<typeof rawCommentSchema> = RawCommentSchema,
): RawCommentCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(value ?? new Uint8Array()),
    );
  } catch (error) {
    return {
      ok: false,
      reason: "invalid_json",
      detail: `not JSON: ${(error as Error).message}`,
      commentId: null,
    };
  }
  const result = schema.safeParse(parsed);
  if (result.success) {
    return { ok: true, comment: result.data, ignoredFields: ignoredFieldsOf(parsed) };
  }
  const commentId = readableCommentId(parsed);
  const issues = result.error.issues;
  const custom = (field: string) =>
    issues.find((issue) => issue.path[0] === field && issue.code === "custom");
  const versionIssue = custom("schemaVersion");
  const textIssue = custom("text");
  const reason: DeadLetterReason = versionIssue
    ? "unsupported_schema_version"
    : textIssue
    ? (textIssue.message === "text is empty" ? "text_empty" : "text_too_long")
    : "invalid_schema";
  return { ok: false, reason, detail: z.prettifyError(result.error), commentId };
}

function ignoredFieldsOf(parsed: unknown): readonly string[] {
  const ignored = Object.keys(parsed as object).filter((key) => !RAW_COMMENT_FIELDS.has(key));
  return ignored.length === 0 ? NO_IGNORED_FIELDS : ignored;
}

/** The sent id, for the dead letter, when it is a string of a sane length (a UUID lowercased). */
function readableCommentId(parsed: unknown): string | null {
  if (typeof parsed !== "object" || parsed === null) return null;
  const id = (parsed as Record<string, unknown>).commentId;
  return typeof id === "string" && id.length <= 200 ? normalizeCommentId(id) : null;
}
