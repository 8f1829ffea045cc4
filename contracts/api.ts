/**
 * The HTTP contract between the api and the dashboard: response bodies of `/api/comments`,
 * `/api/statistics` and the Server-Sent Events stream.
 *
 * @module
 */
import { z } from "zod";
import { ProcessedCommentSchema, TAGS } from "./messages.ts";

/** SSE event name of one processed comment; its `id:` is the comment's `seq`. */
export const SSE_COMMENT_EVENT = "comment";

export const CommentsPageSchema = z.object({
  items: z.array(ProcessedCommentSchema),
  /** Opaque keyset cursor for the next (older) page, or null at the end. */
  nextCursor: z.string().nullable(),
});
export type CommentsPage = z.infer<typeof CommentsPageSchema>;

const counts = <K extends string>(keys: readonly K[]) =>
  z.object(Object.fromEntries(keys.map((key) => [key, z.int().min(0)])) as Record<K, z.ZodInt>);

export const StatisticsSchema = z.object({
  total: z.int().min(0),
  byTag: counts(TAGS),
  /** Every source seen, by its normalised name (see SourceSchema); absent ones count 0. */
  bySource: z.record(z.string(), z.int().min(0)),
  duplicatesDiscarded: z.int().min(0),
  deadLettered: z.int().min(0),
  retried: z.int().min(0),
  /** Comments stored in the last 60 s, per minute. */
  lastMinute: z.int().min(0),
  asOf: z.iso.datetime({ offset: true }),
});
export type Statistics = z.infer<typeof StatisticsSchema>;

/** Body of every 4xx/5xx answer: which parameter (if any) and what was wrong. */
export const ApiErrorSchema = z.object({
  error: z.string(),
  parameter: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
