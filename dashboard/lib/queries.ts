/**
 * The live queries the panels read. Each returns a TanStack DB live-query collection that the
 * query engine keeps up to date incrementally as comments arrive or are evicted.
 *
 * Every live query costs something on each batch whatever it computes (its graph runs and its
 * result collection takes the changes), and a query whose result has one row per comment costs
 * the most. So the aggregate panels share one query, {@link summaryQuery}, whose rows are
 * counts per (minute, tag, language, source) bucket: a few dozen rows that each panel sums the way it needs
 * ({@link countBy}, {@link totalCount}, {@link perMinuteByTag}). The feed reads only the
 * window of rows in view ({@link feedQuery}), never all 5 000.
 *
 * @module
 */
import { count, createLiveQueryCollection, eq, type InitialQueryBuilder } from "@tanstack/db";
import type { Source, Tag } from "@sentiment/contracts/messages";
import type { CommentsCollection, StoredComment } from "./comments.ts";

/** Milliseconds in one bucket of the sentiment-over-time chart. */
export const MINUTE_MS = 60_000;

/**
 * One row of {@link summaryQuery}: how many stored comments share a bucket, i.e. a minute of
 * createdAt, a tag, a language and a source ({@link bucketOf}).
 */
export interface SummaryRow {
  bucket: string;
  count: number;
}

/** What a summary bucket stands for. */
export interface Bucket {
  minute: number;
  tag: Tag;
  /** The comment's language, "" when it has none. */
  language: string;
  source: Source;
}

/**
 * The one group key of a comment: `minute|tag|language|source`. Grouping by one string rather
 * than by several values costs the aggregate about half as much per changed row (each group
 * value is hashed and wrapped on its own), which matters when 100 rows arrive and 100 leave at
 * once. The source goes last: it is the one part that may itself hold a `|`.
 */
export function bucketOf(
  comment: Pick<StoredComment, "createdAt" | "tag" | "source" | "language">,
): string {
  return `${Math.floor(Date.parse(comment.createdAt) / MINUTE_MS)}|${comment.tag}|${
    comment.language ?? ""
  }|${comment.source}`;
}

/** The minute, tag, language and source of a {@link bucketOf} key. */
export function parseBucket(bucket: string): Bucket {
  const first = bucket.indexOf("|");
  const second = bucket.indexOf("|", first + 1);
  const third = bucket.indexOf("|", second + 1);
  return {
    minute: Number(bucket.slice(0, first)),
    tag: bucket.slice(first + 1, second) as Tag,
    language: bucket.slice(second + 1, third),
    source: bucket.slice(third + 1),
  };
}

/**
 * Comments per bucket. The bucket is computed by a `fn.select` subquery (the query language
 * cannot parse a timestamp with an offset, and a `fn.select` cannot feed a `groupBy` in the
 * same query); as a subquery it runs in the same graph, with no collection of one row per
 * comment in between.
 */
export function summaryQuery(comments: CommentsCollection) {
  return createLiveQueryCollection((q) => {
    const buckets = q.from({ c: comments }).fn.select(({ c }) => ({
      commentId: c.commentId,
      bucket: bucketOf(c),
    }));
    return q.from({ b: buckets })
      .groupBy(({ b }) => b.bucket)
      .select(({ b }) => ({ bucket: b.bucket, count: count(b.commentId) }));
  });
}

/** How many comments the summary rows count. */
export function totalCount(rows: readonly SummaryRow[]): number {
  let total = 0;
  for (const row of rows) total += row.count;
  return total;
}

/** Comments per tag, language or source (keys without comments are absent). */
export function countBy<K extends "tag" | "language" | "source">(
  rows: readonly SummaryRow[],
  key: K,
): Map<Bucket[K], number> {
  const counts = new Map<Bucket[K], number>();
  for (const row of rows) {
    const value = parseBucket(row.bucket)[key];
    counts.set(value, (counts.get(value) ?? 0) + row.count);
  }
  return counts;
}

/** Comments per (minute, tag), as the chart draws them. */
export function perMinuteByTag(
  rows: readonly SummaryRow[],
): { minute: number; tag: Tag; count: number }[] {
  const counts = new Map<string, { minute: number; tag: Tag; count: number }>();
  for (const row of rows) {
    const { minute, tag } = parseBucket(row.bucket);
    const key = `${minute}|${tag}`;
    const bucket = counts.get(key);
    if (bucket) bucket.count += row.count;
    else counts.set(key, { minute, tag, count: row.count });
  }
  return [...counts.values()];
}

/** The feed's filters; empty values match everything. */
export interface FeedFilter {
  tag?: Tag | "";
  source?: Source | "";
  /** An ISO 639-1 code or "und"; comments without a language match no language. */
  language?: string;
  search?: string;
}

/** Whether a filter narrows the feed at all. */
export function isFiltered(filter: FeedFilter): boolean {
  return Boolean(filter.tag || filter.source || filter.language || filter.search?.trim());
}

/** A slice of the feed: `limit` rows from position `offset` (newest first). */
export interface FeedWindow {
  offset: number;
  limit: number;
}

/** The comments a filter lets through (empty values match everything). */
function filtered(q: InitialQueryBuilder, comments: CommentsCollection, filter: FeedFilter) {
  const needle = filter.search?.trim().toLowerCase() ?? "";
  let query = q.from({ c: comments });
  if (filter.tag) query = query.where(({ c }) => eq(c.tag, filter.tag));
  if (filter.source) query = query.where(({ c }) => eq(c.source, filter.source));
  if (filter.language) query = query.where(({ c }) => eq(c.language, filter.language));
  // A plain substring match: LIKE has no escape for `%` and `_`, which people do search for.
  if (needle) query = query.fn.where(({ c }) => c.text.toLowerCase().includes(needle));
  return query;
}

/**
 * The filtered feed, newest (highest seq) first, limited to a window of rows that
 * `collection.utils.setWindow` moves as the list scrolls. Without a window, every row.
 */
export function feedQuery(
  comments: CommentsCollection,
  filter: FeedFilter = {},
  window?: FeedWindow,
) {
  return createLiveQueryCollection((q) => {
    const ordered = filtered(q, comments, filter).orderBy(({ c }) => c.seq, "desc");
    return window ? ordered.limit(window.limit).offset(window.offset) : ordered;
  });
}

/** How many comments match a filter (the feed itself holds only a window of them). */
export function feedCountQuery(comments: CommentsCollection, filter: FeedFilter = {}) {
  return createLiveQueryCollection((q) =>
    filtered(q, comments, filter).select(({ c }) => ({ count: count(c.commentId) }))
  );
}
