/**
 * The Kafka messages that flow between the services, as zod schemas with their inferred types.
 * Every producer and reader of a topic imports these; nobody re-declares a message shape.
 *
 * @module
 */
import { z } from "zod";

/** Bumped when a message shape changes incompatibly; readers reject versions they do not know. */
export const SCHEMA_VERSION = 1 as const;

/** Default topic names; each is overridable by the environment variable next to it. */
export const TOPIC_DEFAULTS = {
  raw: { env: "KAFKA_TOPIC_RAW", name: "raw-comments" },
  processed: { env: "KAFKA_TOPIC_PROCESSED", name: "processed-comments" },
  deadLetter: { env: "KAFKA_TOPIC_DLQ", name: "dead-letter-queue" },
} as const;

export const SOURCES = ["twitter", "instagram", "facebook", "tiktok", "youtube", "reddit"] as const;
export const SourceSchema = z.enum(SOURCES);
export type Source = z.infer<typeof SourceSchema>;

export const TAGS = ["POSITIVE", "NEGATIVE", "NEUTRAL", "UNRELATED"] as const;
export const TagSchema = z.enum(TAGS);
export type Tag = z.infer<typeof TagSchema>;

/** Longest comment text accepted anywhere in the pipeline unless configured otherwise. */
export const DEFAULT_MAX_TEXT_LENGTH = 5_000;

const isoTimestamp = z.iso.datetime({ offset: true });

/** Builds the raw comment schema for a text length limit (configurable per deployment). */
export function rawCommentSchema(maxTextLength = DEFAULT_MAX_TEXT_LENGTH) {
  return z.strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION),
    // Lowercased: PostgreSQL's uuid type and the Redis keys use one spelling per id, so an id
    // sent in capitals is the same comment (and matches the row the database gives back).
    commentId: z.uuid().transform((id) => id.toLowerCase()),
    text: z.string()
      .refine((text) => text.trim().length > 0, { message: "text is empty" })
      .refine((text) => text.length <= maxTextLength, {
        message: `text is longer than ${maxTextLength} characters`,
      }),
    source: SourceSchema,
    createdAt: isoTimestamp,
  });
}

/** A mock social-media comment, as the producer publishes it to `raw-comments`. */
export const RawCommentSchema = rawCommentSchema();
export type RawComment = z.infer<typeof RawCommentSchema>;

/** A comment after the consumer stored it, as published to `processed-comments`. */
export const ProcessedCommentSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  commentId: z.uuid(),
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
});
export type ProcessedComment = z.infer<typeof ProcessedCommentSchema>;

/** Why a message ended on the dead-letter queue. */
export const DEAD_LETTER_REASONS = [
  "invalid_json",
  "invalid_schema",
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
export const DeadLetterSchema = z.strictObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  reason: DeadLetterReasonSchema,
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
  | { ok: true; comment: RawComment }
  | { ok: false; reason: DeadLetterReason; detail: string; commentId: string | null };

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
  if (result.success) return { ok: true, comment: result.data };
  const commentId = readableCommentId(parsed);
  const issues = result.error.issues;
  const textIssue = issues.find((issue) => issue.path[0] === "text" && issue.code === "custom");
  const reason: DeadLetterReason = textIssue
    ? (textIssue.message === "text is empty" ? "text_empty" : "text_too_long")
    : "invalid_schema";
  return { ok: false, reason, detail: z.prettifyError(result.error), commentId };
}

function readableCommentId(parsed: unknown): string | null {
  if (typeof parsed !== "object" || parsed === null) return null;
  const id = (parsed as Record<string, unknown>).commentId;
  return typeof id === "string" && id.length <= 200 ? id : null;
}
