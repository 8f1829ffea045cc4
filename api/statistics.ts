/**
 * `GET /api/statistics`: answered from the counters the database maintains (comment_counts by a
 * trigger, pipeline_counters by the consumer) plus one indexed range count on
 * `comments_processed_idx` for the last minute — constant work at any table size.
 *
 * @module
 */
import type postgres from "postgres";
import { type Statistics, StatisticsSchema } from "@sentiment/proto/api";
import { SOURCES, TAGS } from "@sentiment/proto/messages";
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

/** One statement, so all figures come from one snapshot. */
export function statisticsReader(sql: postgres.Sql): ReadStatistics {
  return async () => {
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
           FROM comment_counts) AS counts,
        (SELECT coalesce(json_object_agg(name, value), '{}'::json) FROM pipeline_counters)
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

/** Folds the figures into the proto Statistics body; unknown tags/sources count in total only. */
export function toStatistics(figures: StatisticsFigures): Statistics {
  const byTag = Object.fromEntries(TAGS.map((tag) => [tag, 0])) as Statistics["byTag"];
  const bySource = Object.fromEntries(
    SOURCES.map((source) => [source, 0]),
  ) as Statistics["bySource"];
  let total = 0;
  for (const { tag, source, count } of figures.counts) {
    total += count;
    if (tag in byTag) byTag[tag as keyof typeof byTag] += count;
    if (source in bySource) bySource[source as keyof typeof bySource] += count;
  }
  return StatisticsSchema.parse({
    total,
    byTag,
    bySource,
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
