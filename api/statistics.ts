/**
 * `GET /api/statistics`: answered from the counters the database maintains (comment counts by a
 * trigger, pipeline counters by the consumer) plus one indexed range count on
 * `comments_processed_idx` for the last minute — constant work at any table size.
 *
 * Writers append delta rows (migration 3) instead of updating shared counter rows, so that
 * overlapping inserts never wait on each other; the views `comment_counts_now` and
 * `pipeline_counters_now` add the compacted totals and the pending deltas. Reads also compact
 * (at most every {@link COMPACT_INTERVAL_MS}) so the delta tables stay small even when no
 * consumer is compacting.
 *
 * @module
 */
import type postgres from "postgres";
import { type Statistics, StatisticsSchema } from "@sentiment/contracts/api";
import { SOURCES, TAGS } from "@sentiment/contracts/messages";
import { z } from "zod";
import { json } from "./http.ts";
import { parseQuery } from "./params.ts";
import type { Handler } from "./router.ts";

/** Raw figures as read from the database. */
export interface StatisticsFigures {
  counts: { tag: string; source: string; count: number }[];
  counters: Record<string, number>;
  lastMinute: number;
  asOf: Date;
}

export type ReadStatistics = () => Promise<StatisticsFigures>;

/** Least time between two compactions started by one reader. */
export const COMPACT_INTERVAL_MS = 5_000;

/**
 * Folds the pending counter deltas into the totals (one transaction in the database function);
 * false when another session was compacting at that moment.
 */
export async function compactCounters(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ compacted: boolean }[]>`SELECT compact_counters() AS compacted`;
  return row.compacted;
}

/** One statement, so all figures come from one snapshot. */
export function statisticsReader(
  sql: postgres.Sql,
  { compactIntervalMs = COMPACT_INTERVAL_MS, now = Date.now } = {},
): ReadStatistics {
  let lastCompaction = -Infinity;
  return async () => {
    // Infinity: never (tests read the pending deltas).
    if (compactIntervalMs !== Infinity && now() - lastCompaction >= compactIntervalMs) {
      lastCompaction = now();
      // Only housekeeping: the figures are exact with or without it.
      await compactCounters(sql).catch(() => false);
    }
    const [row] = await sql<
      {
        counts: { tag: string; source: string; count: string | number }[];
        counters: Record<string, string | number>;
        last_minute: string;
        as_of: Date;
      }[]
    >`
      SELECT
        (SELECT coalesce(json_agg(json_build_object('tag', tag, 'source', source, 'count', count)),
                         '[]'::json)
           FROM comment_counts_now) AS counts,
        (SELECT coalesce(json_object_agg(name, value), '{}'::json) FROM pipeline_counters_now)
          AS counters,
        (SELECT count(*) FROM comments WHERE processed_at > now() - interval '60 seconds')
          AS last_minute,
        now() AS as_of`;
    return {
      counts: row.counts.map((item) => ({ ...item, count: Number(item.count) })),
      counters: Object.fromEntries(
        Object.entries(row.counters).map(([name, value]) => [name, Number(value)]),
      ),
      lastMinute: Number(row.last_minute),
      asOf: row.as_of,
    };
  };
}

/**
 * Folds the figures into the proto Statistics body. Tags are a closed set (an unknown one counts
 * in the total only); sources are open: the known six are always present (0 when none), and any
 * other source a comment carries is counted under its own name.
 */
export function toStatistics(figures: StatisticsFigures): Statistics {
  const byTag = Object.fromEntries(TAGS.map((tag) => [tag, 0])) as Statistics["byTag"];
  // A Map, so that a source named like an Object.prototype key ("__proto__") is just a name.
  const bySource = new Map<string, number>(SOURCES.map((source) => [source, 0]));
  let total = 0;
  for (const { tag, source, count } of figures.counts) {
    total += count;
    if (Object.hasOwn(byTag, tag)) byTag[tag as keyof typeof byTag] += count;
    bySource.set(source, (bySource.get(source) ?? 0) + count);
  }
  return StatisticsSchema.parse({
    total,
    byTag,
    bySource: Object.fromEntries(bySource),
    duplicatesDiscarded: figures.counters.duplicates_discarded ?? 0,
    deadLettered: figures.counters.dead_lettered ?? 0,
    retried: figures.counters.retried_comments ?? 0,
    lastMinute: figures.lastMinute,
    asOf: figures.asOf.toISOString(),
  });
}

export function statisticsHandler(read: ReadStatistics): Handler {
  return async (_request, { url }) => {
    parseQuery(url, z.strictObject({}));
    return json(toStatistics(await read()));
  };
}
