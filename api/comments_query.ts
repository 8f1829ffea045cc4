/**
 * `GET /api/comments` (filtered, newest first, keyset-paginated) and `GET /api/comments/:id`.
 *
 * Pages are ordered by `(created_at DESC, comment_id DESC)`, the order of the
 * `comments_*created_idx` indexes, and the cursor is the key of the last item of a page, so a
 * page never repeats or skips a row even while new comments arrive (new ones are newer and land
 * before the first page). Filters: `tag`, `source`, `language`, `from` (inclusive) and `to`
 * (exclusive) on createdAt, `q` (case-insensitive substring of the text, see {@link QParamSchema}).
 * The cursor is opaque to clients: base64url of the last key, with the timestamp at full
 * microsecond precision.
 *
 * Every parameter is validated before it reaches SQL (a bad one is a 400 naming it): text
 * without NUL or unpaired surrogates, bounded lengths, strict formats. Sources and comment ids
 * follow the tolerant-reader policy of the messages (proto's SourceSchema and CommentIdSchema),
 * no stricter: a source is any text of 1–64 characters (trimmed and lowercased, as the consumer
 * stores it), a comment id 1–128 characters of `[A-Za-z0-9_:.-]` (a UUID lowercased).
 *
 * @module
 */
import type postgres from "postgres";
import { z } from "zod";
import type { CommentsPage } from "@sentiment/contracts/api";
import {
  CommentIdSchema,
  type ProcessedComment,
  SourceSchema,
  TagSchema,
} from "@sentiment/contracts/messages";
import { type CommentRow, rowToComment } from "@sentiment/contracts/db/comment_row";
import { commentColumns } from "./comments_store.ts";
import { apiError, BadParameter, json } from "./http.ts";
import { isoDateTime, parseQuery, parseValue, sqlText } from "./params.ts";
import type { Handler } from "./router.ts";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
export const MAX_Q_LENGTH = 200;
/**
 * A source as the consumer stores it (proto's SourceSchema: trimmed, lower case, 1–64
 * characters), and text PostgreSQL can take.
 */
export const SourceParamSchema = sqlText().pipe(SourceSchema);

/**
 * A language as the sentiment service reports it: an ISO 639 code of 2–3 lowercase letters, or
 * "und" (undetermined). Three letters are allowed though the service sends two, so a client
 * asking for a 639-2 code gets an empty page, not an error.
 */
export const LanguageParamSchema = z.string().regex(
  /^[a-z]{2,3}$/,
  'expected an ISO 639 code of 2-3 lowercase letters, or "und"',
);

/**
 * The shortest run of letters or digits `q` must hold: the trigram index (migration 6) can only
 * narrow a search by a word of three or more, and a shorter `q` would read every row.
 */
export const MIN_Q_WORD = 3;
const Q_WORD = new RegExp(String.raw`[\p{L}\p{N}]{${MIN_Q_WORD}}`, "u");

/**
 * `q`: text searched for as a case-insensitive substring of the comment (ILIKE, lower case as
 * the database's Unicode case mapping gives it; `%`, `_` and `\` match themselves). It must
 * hold a word of {@link MIN_Q_WORD} letters or digits in a row, in any script.
 */
export const QParamSchema = sqlText()
  .min(1, "must not be empty")
  .max(MAX_Q_LENGTH)
  .refine(
    (q) => Q_WORD.test(q),
    `must hold a word of at least ${MIN_Q_WORD} letters or digits (a shorter search cannot use the index)`,
  );

/** The key of the last item of a page. */
export interface CursorKey {
  /** created_at as ISO 8601 with microseconds, UTC. */
  t: string;
  id: string;
}

const CursorKeySchema = z.strictObject({
  t: isoDateTime(),
  id: CommentIdSchema,
});

export function encodeCursor(key: CursorKey): string {
  return btoa(JSON.stringify(key)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): CursorKey {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw new Error("not base64url");
    parsed = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    throw new BadParameter("cursor", "cursor is not one this api issued");
  }
  const result = CursorKeySchema.safeParse(parsed);
  if (!result.success) throw new BadParameter("cursor", "cursor is not one this api issued");
  return result.data;
}

export const CommentsQuerySchema = z.strictObject({
  tag: TagSchema.optional(),
  source: SourceParamSchema.optional(),
  language: LanguageParamSchema.optional(),
  from: isoDateTime().optional(),
  to: isoDateTime().optional(),
  q: QParamSchema.optional(),
  limit: z.string().regex(/^\d{1,4}$/, "expected a whole number")
    .transform(Number)
    .pipe(z.int().min(1).max(MAX_PAGE_SIZE))
    .optional(),
  cursor: z.string().max(500).optional(),
});

export interface CommentsFilter {
  tag?: ProcessedComment["tag"];
  source?: string;
  language?: string;
  from?: string;
  to?: string;
  q?: string;
  limit: number;
  after?: CursorKey;
}

/** Validates the query string; throws BadParameter naming the first bad parameter. */
export function parseCommentsQuery(url: URL): CommentsFilter {
  const query = parseQuery(url, CommentsQuerySchema);
  if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) {
    throw new BadParameter("to", "to must not be before from");
  }
  return {
    tag: query.tag,
    source: query.source,
    language: query.language,
    from: query.from,
    to: query.to,
    q: query.q,
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
  };
}

export interface CommentsReader {
  page(filter: CommentsFilter): Promise<CommentsPage>;
  byId(commentId: string): Promise<ProcessedComment | null>;
}

/** Escapes LIKE wildcards so `q` matches literally. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** A page's row: the comment and its created_at as a cursor key. */
type PageRow = CommentRow & { created_key: string };

/**
 * A row of one window of a search's walk (see searchRows): a hit (or the comment's columns
 * NULL when the window held none) and the window's summary.
 */
type WindowRow = PageRow & {
  scanned: string;
  /** The window's oldest key, where the next step starts; NULL for an empty window. */
  edge_key: string | null;
  edge_id: string;
};

/** Runs of pages a term's sample reads (see termStats). */
const SAMPLE_RANGES = 16;

/** What a sample of the table tells of a term (see termStats). */
interface TermStats {
  /** The term's share of the rows the filter keeps. */
  share: number;
  /** Rows of the whole table the term matches (the trigram index reads at least these). */
  tableMatches: number;
  /** Rows the filter keeps per ms of created_at. */
  rate: number;
  /** The table's oldest created_at (epoch ms). */
  oldestMs: number;
}

/** How a search chooses its way (see searchRows). */
export interface SearchTuning {
  /** Rows the first window of a search walks. */
  firstWindow: number;
  /**
   * Rows of the table sampled (runs of whole pages) to estimate a term's share when the first
   * window did not fill the page.
   */
  sampleRows: number;
  /** Walk on while the rest of the page is expected within this many rows. */
  walkRows: number;
  /** The most rows one window walks. */
  maxWindow: number;
  /**
   * The most rows of a time slice: beyond about 100 000 the planner drops the time index
   * from the BitmapAnd (it underestimates the trigram index's matches) and reads every match.
   */
  maxSliceRows: number;
  /** Relative costs (µs, measured at 10 M rows, bench run 7). */
  costs: {
    /** Reading the trigram index's entries for a term. */
    indexScan: number;
    /**
     * One entry of the term's trigrams in the trigram index: every slice reads them all, for
     * the whole table (a word in 1 % of 10 M rows: 90 ms a read).
     */
    indexEntry: number;
    /** One row's entry in the time index of a slice. */
    timeRow: number;
    /** One match read from the heap and rechecked. */
    matchRow: number;
  };
}

export const DEFAULT_SEARCH_TUNING: SearchTuning = {
  firstWindow: 2_000,
  sampleRows: 2_000,
  walkRows: 8_000,
  maxWindow: 50_000,
  maxSliceRows: 80_000,
  costs: { indexScan: 10_000, indexEntry: 0.7, timeRow: 0.1, matchRow: 10 },
};

export function commentsReader(
  sql: postgres.Sql,
  tuning: SearchTuning = DEFAULT_SEARCH_TUNING,
): CommentsReader {
  const empty = sql``;
  const columns = commentColumns(sql);
  /** A timestamp as a cursor key's text (microseconds, UTC). */
  const keyText = (value: postgres.PendingQuery<postgres.Row[]>) =>
    sql`to_char(${value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const createdKey = sql`${keyText(sql`created_at`)} AS created_key`;
  return {
    page: (filter) => readPage(filter),
    async byId(commentId) {
      const [row] = await sql<CommentRow[]>`
        SELECT ${columns} FROM comments WHERE comment_id = ${commentId}::text`;
      return row ? rowToComment(row) : null;
    },
  };

  // Timestamps go as text (`::text::timestamptz`): typed as timestamptz, postgres.js would
  // pass them through a JS Date, which keeps milliseconds only; a cursor needs microseconds.
  async function readPage(filter: CommentsFilter): Promise<CommentsPage> {
    const rows = filter.q === undefined
      ? await sql<PageRow[]>`
        SELECT ${columns}, ${createdKey}
          FROM comments
         WHERE true ${filters(filter)} ${keysetBefore(filter.after)}
         ORDER BY created_at DESC, comment_id DESC
         LIMIT ${filter.limit + 1}`
      : await searchRows(filter, filter.q);
    const more = rows.length > filter.limit;
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(rowToComment),
      nextCursor: more && last ? encodeCursor({ t: last.created_key, id: last.comment_id }) : null,
    };
  }

  /** Every filter but `q`, as `AND …` conditions. */
  function filters(filter: CommentsFilter): postgres.PendingQuery<postgres.Row[]> {
    return sql`
      ${filter.tag ? sql`AND tag = ${filter.tag}` : empty}
      ${filter.source ? sql`AND source = ${filter.source}` : empty}
      ${filter.language ? sql`AND language = ${filter.language}` : empty}
      ${filter.from ? sql`AND created_at >= ${filter.from}::text::timestamptz` : empty}
      ${filter.to ? sql`AND created_at < ${filter.to}::text::timestamptz` : empty}`;
  }

  function keysetBefore(key: CursorKey | undefined): postgres.PendingQuery<postgres.Row[]> {
    return key
      ? sql`AND (created_at, comment_id) < (${key.t}::text::timestamptz, ${key.id}::text)`
      : empty;
  }

  /**
   * The first `limit + 1` matches of a search after the cursor, newest first, by whichever way
   * is cheapest for this term.
   *
   * PostgreSQL's own choice is not robust here: it estimates how many rows `ILIKE '%q%'`
   * matches from the column's histogram (about 100 texts, and never below 0.01 %), off by
   * orders of magnitude for words of one language (bench run 7: `q=nicht` p95 110 ms at 3 M
   * rows), and then either walks the newest-first index testing every row (cheap when many
   * rows match) or takes every match from the trigram index and sorts them (cheap when few
   * do) — each very slow for the other kind. Here a first window of the newest rows is walked:
   * it answers common terms. If it does not fill the page, the term's share of the filter's
   * rows and the rows' rate in time are estimated from a fixed sample of the whole table's
   * pages (see termStats), not from the newest rows: those may be a burst stored at once
   * whose texts are unlike the rest (bench run 7's 180 000 insert-statement rows made a
   * common word look rare, and the search took its 700 000 matches from the index: 4.3 s).
   * Then, by that share:
   * - walk on, when the rest of the page is a few thousand rows away (windows that double
   *   while they find less than expected, so a stretch without the term costs few statements);
   * - or ask the trigram index for the matches of a time slice just older than the window,
   *   sized to hold the rest of the page (a BitmapAnd of the trigram index and the time
   *   index: the heap is read for the slice's matches only);
   * - or, for rare terms and misses, take every older match from the trigram index.
   * Windows, slices and the final step cover consecutive key ranges, so the page is exactly
   * what one query would give, whatever the estimates.
   */
  async function searchRows(filter: CommentsFilter, q: string): Promise<PageRow[]> {
    const pattern = likePattern(q);
    const need = filter.limit + 1;
    const found: PageRow[] = [];
    let before = filter.after;
    // Rows of the filter's range searched so far (walked, or estimated for slices).
    let covered = 0;
    // Each of these filters beyond the first an index serves is checked row by row on the
    // walk, so the walk reads about four times the rows for each: smaller windows.
    // tag and source together have an index of their own (migration 7).
    const unindexed = Math.max(
      0,
      [filter.tag && filter.source ? "both" : filter.tag ?? filter.source, filter.language]
        .filter(Boolean).length - 1,
    );
    const walkScale = 4 ** -unindexed;
    let window = Math.max(1, Math.ceil(tuning.firstWindow * walkScale));
    let stats: TermStats | undefined;
    let indexScan = tuning.costs.indexScan;
    let edgeMs = Infinity;
    for (;;) {
      const wanted = need - found.length;
      // Only keys go through the window and its sorts; whole rows are read for the hits.
      const rows = await sql<WindowRow[]>`
        WITH recent AS MATERIALIZED (
          SELECT seq, created_at, comment_id, text ILIKE ${pattern} AS hit
            FROM comments
           WHERE true ${filters(filter)} ${keysetBefore(before)}
           ORDER BY created_at DESC, comment_id DESC
           LIMIT ${window}),
        edge AS (SELECT created_at, comment_id FROM recent ORDER BY created_at, comment_id LIMIT 1),
        hits AS (
          SELECT seq FROM recent WHERE hit ORDER BY created_at DESC, comment_id DESC
           LIMIT ${wanted})
        SELECT summary.*, ${keyText(sql`edge.created_at`)} AS edge_key, edge.comment_id AS edge_id,
               page.*
          FROM (SELECT count(*) AS scanned FROM recent) AS summary
          LEFT JOIN edge ON true
          LEFT JOIN (SELECT ${columns}, ${createdKey}
                       FROM comments WHERE seq IN (SELECT seq FROM hits)) AS page ON true
         ORDER BY page.created_at DESC, page.comment_id DESC`;
      const [summary] = rows;
      found.push(...rows.filter((row) => row.seq !== null));
      const inWindow = Number(summary.scanned);
      // A short window reached the last row of the filter's range: every match is in.
      if (summary.edge_key === null || inWindow < window || found.length >= need) {
        return found.slice(0, need);
      }
      before = { t: summary.edge_key, id: summary.edge_id };
      edgeMs = Date.parse(summary.edge_key);
      covered += inWindow;
      // Where the newest rows say the rest of the page is near, walk on without asking more.
      const recentRows = (need - found.length) / ((found.length + 0.5) / covered);
      if (recentRows <= tuning.walkRows * walkScale) {
        window = Math.min(tuning.maxWindow, Math.max(Math.ceil(recentRows * 1.5), 2 * window));
        continue;
      }
      if (!stats) {
        stats = await termStats(filter, pattern);
        indexScan = Math.max(indexScan, stats.tableMatches * tuning.costs.indexEntry);
      }
      const oldestMs = Math.max(stats.oldestMs, filter.from ? Date.parse(filter.from) : -Infinity);
      for (;;) {
        const rest = need - found.length;
        // The walk goes on where the term is common, recently or in the table as a whole; the
        // older range is judged by the sample alone (the recent rows may be a burst).
        const share = stats.share;
        const walkShare = Math.max(share, (found.length + 0.5) / covered);
        const walkRows = rest / walkShare;
        if (walkRows <= tuning.walkRows * walkScale) {
          window = Math.min(tuning.maxWindow, Math.max(Math.ceil(walkRows * 1.5), 2 * window));
          break;
        }
        const remaining = stats.rate * Math.max(0, edgeMs - oldestMs);
        const sliceRows = Math.min(tuning.maxSliceRows, (2 * rest) / share);
        const slices = Math.ceil(rest / share / sliceRows);
        const c = tuning.costs;
        const slicesCost = slices * (indexScan + sliceRows * (c.timeRow + c.matchRow * share));
        const allCost = indexScan + remaining * share * c.matchRow;
        const lowerMs = Math.floor(edgeMs - sliceRows / stats.rate);
        if (!(lowerMs > oldestMs && lowerMs < edgeMs) || slicesCost >= allCost) {
          return [...found, ...await indexMatches(filter, pattern, before, undefined, rest)];
        }
        const lower = new Date(lowerMs).toISOString();
        const started = performance.now();
        const slice = await indexMatches(filter, pattern, before, lower, rest);
        // What reading this term's entries in the trigram index really costs: every slice pays
        // it again, and it is 1 ms for one term and 40 for another (digits and @mentions share
        // long posting lists, bench run 7), so the next choice uses the larger of the two.
        indexScan = Math.max(
          indexScan,
          (performance.now() - started) * 1000 - sliceRows * c.timeRow - slice.length * c.matchRow,
        );
        found.push(...slice);
        if (found.length >= need) return found;
        // Next: everything older than the slice ('' sorts before every comment id).
        before = { t: lower, id: "" };
        edgeMs = lowerMs;
        covered += sliceRows;
      }
    }
  }

  /**
   * The term's share of the filter's rows and those rows' rate in time, for the whole table,
   * from a sample of its pages: {@link SAMPLE_RANGES} runs of consecutive pages spread evenly
   * over the heap, read by TID range scans (the same pages each time, so they stay cached and
   * a term's plan does not change from one request to the next; TABLESAMPLE SYSTEM hashes
   * every page number of the table to choose, 10 ms at 10 M rows). About `sampleRows` rows:
   * a few milliseconds, and a share down to about 1 in `sampleRows`; below that the term is
   * rare and the index is the way whatever its exact share. The rate is the filter's rows over
   * the table's time span, so a burst of rows changes it by its share of the table only.
   * pg_class counts pages and rows as of the last (auto)vacuum or analyze.
   */
  async function termStats(filter: CommentsFilter, pattern: string): Promise<TermStats> {
    const [table] = await sql<
      { pages: number; rows: number; oldest_ms: number | null; newest_ms: number | null }[]
    >`
      SELECT greatest(relpages, 0) AS pages, greatest(reltuples, 0)::float8 AS rows,
             (SELECT extract(epoch FROM min(created_at)) * 1000 FROM comments)::float8 AS oldest_ms,
             (SELECT extract(epoch FROM max(created_at)) * 1000 FROM comments)::float8 AS newest_ms
        FROM pg_class WHERE oid = 'comments'::regclass`;
    const perPage = table.pages > 0 ? table.rows / table.pages : 0;
    const runPages = perPage > 0
      ? Math.max(1, Math.ceil(tuning.sampleRows / SAMPLE_RANGES / perPage))
      : 0;
    // Never analyzed or small: read it all (a range past the last page reads nothing).
    const whole = runPages === 0 || runPages * SAMPLE_RANGES >= table.pages;
    const ranges = whole ? [[0, 2 ** 31 - 1]] : Array.from({ length: SAMPLE_RANGES }, (_, i) => {
      const first = Math.floor((i * table.pages) / SAMPLE_RANGES);
      return [first, first + runPages];
    });
    const sample = ranges.map(([first, end]) =>
      sql`SELECT tag, source, language, text FROM comments
           WHERE ctid >= ${`(${first},0)`}::tid AND ctid < ${`(${end},0)`}::tid`
    ).reduce((all, run) => sql`${all} UNION ALL ${run}`);
    const rowFilters = filters({ ...filter, from: undefined, to: undefined });
    const [row] = await sql<{ sampled: string; kept: string; hits: string; all_hits: string }[]>`
      SELECT count(*) AS sampled,
             count(*) FILTER (WHERE text ILIKE ${pattern}) AS all_hits,
             count(*) FILTER (WHERE true ${rowFilters}) AS kept,
             count(*) FILTER (WHERE true ${rowFilters} AND text ILIKE ${pattern}) AS hits
        FROM (${sample}) AS comments`;
    const sampled = Number(row.sampled);
    const kept = Number(row.kept);
    const hits = Number(row.hits);
    const tableRows = whole ? sampled : Math.max(table.rows, sampled);
    const spanMs = (table.newest_ms ?? 0) - (table.oldest_ms ?? 0);
    const filterRows = tableRows * (kept + 0.5) / (sampled + 1);
    return {
      share: (hits + 0.5) / (kept + 1),
      tableMatches: tableRows * Number(row.all_hits) / Math.max(1, sampled),
      rate: spanMs > 0 ? filterRows / spanMs : Infinity,
      oldestMs: table.oldest_ms ?? -Infinity,
    };
  }

  /**
   * The newest `limit` matches older than `before` (and not older than `from`) from the
   * trigram index. MATERIALIZED: every match of the range first, then the newest of them;
   * inlined, the planner could go back to walking the newest-first index.
   */
  function indexMatches(
    filter: CommentsFilter,
    pattern: string,
    before: CursorKey | undefined,
    from: string | undefined,
    limit: number,
  ): Promise<PageRow[]> {
    return sql<PageRow[]>`
      WITH matches AS MATERIALIZED (
        SELECT seq, created_at, comment_id
          FROM comments
         WHERE text ILIKE ${pattern} ${filters(filter)} ${keysetBefore(before)}
           ${
      from
        ? sql`AND created_at >= ${from}::text::timestamptz -- a slice
`
        : empty
    })
      SELECT ${columns}, ${createdKey}
        FROM comments
       WHERE seq IN (SELECT seq FROM matches ORDER BY created_at DESC, comment_id DESC
                      LIMIT ${limit})
       ORDER BY created_at DESC, comment_id DESC`;
  }
}

export function listCommentsHandler(reader: CommentsReader): Handler {
  return async (_request, { url }) => json(await reader.page(parseCommentsQuery(url)));
}

export function commentByIdHandler(reader: CommentsReader): Handler {
  return async (_request, { params, url }) => {
    parseQuery(url, z.strictObject({}));
    const commentId = parseValue(CommentIdSchema, params.commentId ?? "", "commentId");
    const comment = await reader.byId(commentId);
    if (!comment) return apiError(404, `comment ${commentId} not found`, "commentId");
    return json(comment);
  };
}
