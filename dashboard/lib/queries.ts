/**
 * The live queries every panel reads. Each returns a TanStack DB live-query collection that
 * the query engine keeps up to date incrementally as comments arrive or are evicted.
 *
 * @module
 */
import { count, createLiveQueryCollection, eq, max } from "@tanstack/db";
import type { Source, Tag } from "@sentiment/proto/messages";
import type { CommentsCollection } from "./comments.ts";

/** Comments per sentiment tag. */
export function tagCountsQuery(comments: CommentsCollection) {
  return createLiveQueryCollection((q) =>
    q.from({ c: comments })
      .groupBy(({ c }) => c.tag)
      .select(({ c }) => ({ tag: c.tag, count: count(c.commentId) }))
  );
}

/** Comments per source platform. */
export function sourceCountsQuery(comments: CommentsCollection) {
  return createLiveQueryCollection((q) =>
    q.from({ c: comments })
      .groupBy(({ c }) => c.source)
      .select(({ c }) => ({ source: c.source, count: count(c.commentId) }))
  );
}

/** How many comments the collection holds and the newest seq among them. */
export function totalsQuery(comments: CommentsCollection) {
  return createLiveQueryCollection((q) =>
    q.from({ c: comments })
      .select(({ c }) => ({ count: count(c.commentId), maxSeq: max(c.seq) }))
  );
}

/** Milliseconds in one bucket of the sentiment-over-time chart. */
export const MINUTE_MS = 60_000;

/**
 * Comments per (minute of createdAt, tag). The minute is computed in a first derived
 * collection because the query language cannot parse a timestamp with an offset, and a
 * `fn.select` cannot feed a `groupBy` in the same query.
 */
export function perMinuteQuery(comments: CommentsCollection) {
  const minutes = createLiveQueryCollection((q) =>
    q.from({ c: comments }).fn.select(({ c }) => ({
      commentId: c.commentId,
      minute: Math.floor(Date.parse(c.createdAt) / MINUTE_MS),
      tag: c.tag,
    }))
  );
  return createLiveQueryCollection((q) =>
    q.from({ m: minutes })
      .groupBy(({ m }) => [m.minute, m.tag])
      .select(({ m }) => ({ minute: m.minute, tag: m.tag, count: count(m.commentId) }))
  );
}

/** The feed's filters; empty values match everything. */
export interface FeedFilter {
  tag?: Tag | "";
  source?: Source | "";
  search?: string;
}

/** The filtered feed, newest (highest seq) first. */
export function feedQuery(comments: CommentsCollection, filter: FeedFilter = {}) {
  const needle = filter.search?.trim().toLowerCase() ?? "";
  return createLiveQueryCollection((q) => {
    let query = q.from({ c: comments });
    if (filter.tag) query = query.where(({ c }) => eq(c.tag, filter.tag));
    if (filter.source) query = query.where(({ c }) => eq(c.source, filter.source));
    // A plain substring match: LIKE has no escape for `%` and `_`, which people do search for.
    if (needle) query = query.fn.where(({ c }) => c.text.toLowerCase().includes(needle));
    return query.orderBy(({ c }) => c.seq, "desc");
  });
}
