/**
 * Run 7, scale: BENCH_SCALE_ROWS (10 M) comments loaded by COPY into a private database, then
 *
 * - the api's answers on that table, p50/p95 over sequential requests: search hit (a common
 *   word, a rare @mention), search miss, search with a source filter, tag+source filter, a
 *   deep keyset page, /api/statistics;
 * - the search index chosen (pg_trgm GIN, migration 6) beside full-text search (a GIN
 *   expression index on to_tsvector('simple', text)) on the same rows: build time, size, and
 *   the same searches in SQL (BENCH_SCALE_FTS=0 skips it);
 * - table and index sizes per million rows;
 * - the consumer's insert statement into the full table, without and with the trigram index;
 * - a retention pass (the consumer's own retentionPass) deleting the oldest day while a writer
 *   inserts, with the writer's longest statement before and during the pass, and the VACUUM
 *   that follows as autovacuum runs it (its cost delay and limit, no parallel workers); then
 *   the next day the same way with a manual, unthrottled VACUUM for comparison.
 *
 * Indexes are built after the load (as a restore would), each timed: the trigram index's build
 * time is what migration 6 costs on an existing table of that size.
 *
 * @module
 */
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import postgres from "postgres";
import { PROJECT_ROOT } from "@sentiment/testkit";
import { retentionPass } from "../consumer/retention.ts";
import { delay, onCleanup, round } from "./processes.ts";
import { COPY_COLUMNS, copyChunks, loadCorpus } from "./scale_data.ts";
import { createStage, startApi } from "./stage.ts";
import { type Distribution, distribution } from "./stats.ts";

const DAY_MS = 86_400_000;

export interface ScaleOptions {
  rows: number;
  say: (line: string) => void;
  /** Also build and time a full-text index for comparison. */
  compareFullText: boolean;
}

/** p50/p95 (ms) of one kind of request, with the rows its first answer held. */
export interface Timed extends Distribution {
  label: string;
  request: string;
  items: number;
  /**
   * Set when one of its statements hit SEARCH_TIMEOUT_MS and was cancelled: the planner's plan
   * for that term reads most of the table. The distribution then holds the runs before it.
   */
  timedOutAfterMs?: number;
}

export interface ScaleResult {
  rows: number;
  loadSeconds: number;
  loadRowsPerSecond: number;
  /** Seconds to build each index after the load. */
  indexBuildSeconds: Record<string, number>;
  sizesMiB: { table: number; indexes: Record<string, number>; total: number };
  perMillionMiB: { table: number; indexes: number; trigramIndex: number; total: number };
  /** Steps that failed (the run goes on to the next one). */
  failures: string[];
  api?: Timed[];
  search?: {
    trigram: Timed[];
    fullText?: Timed[];
    fullTextIndexMiB?: number;
    fullTextBuildSeconds?: number;
  };
  /**
   * Rows/s of the consumer's insert statement (3 000 rows) into the full table: no text index,
   * the full-text index alone, the trigram index (GIN fastupdate on, the default) and the
   * trigram index with fastupdate off.
   */
  storeRate: {
    withoutTrigram: number;
    withFullText?: number;
    withTrigram: number;
    withTrigramNoFastupdate?: number;
  };
  retention?: {
    deleted: number;
    chunks: number;
    seconds: number;
    rowsPerSecond: number;
    longestChunkMs: number;
    writerBefore: Distribution;
    writerDuring: Distribution;
    /** The VACUUM after the pass, run as autovacuum runs it (vacuumSettings). */
    vacuumSeconds: number;
    writerDuringVacuum: Distribution;
    vacuumSettings: string;
    /**
     * The next day deleted the same way, then a manual `VACUUM comments` (no cost delay,
     * parallel index workers), as an operator's VACUUM runs: the worst case, not what the
     * product runs (it leaves VACUUM to autovacuum).
     */
    manual?: {
      deleted: number;
      seconds: number;
      writerDuring: Distribution;
      vacuumSeconds: number;
      writerDuringVacuum: Distribution;
    };
  };
  loadAverage: { start: number; end: number };
}

/** The searches measured, through the api and in SQL for both index kinds. */
const SEARCHES: { label: string; q: string; source?: string; tag?: string }[] = [
  { label: "search hit, common word", q: "battery" },
  { label: "search hit, word in German text", q: "nicht" },
  { label: "search hit, uncommon word (0.15 % of rows)", q: "slow" },
  { label: "search hit, rare @mention", q: "@u48213" },
  { label: "search hit, @mention prefix (0.1 % of rows)", q: "@u482" },
  {
    label: "search + tag + source filter, German word",
    q: "nicht",
    source: "reddit",
    tag: "NEGATIVE",
  },
  { label: "search miss", q: "zzzzqqq" },
  { label: "search miss, common letters", q: "batteryzz" },
  { label: "search + source filter", q: "slow", source: "reddit" },
];

/** The full-text alternative: words of any language, no stemming ('simple'). */
const FULL_TEXT_INDEX =
  "CREATE INDEX comments_text_fts_idx ON comments USING gin (to_tsvector('simple', text))";

const REPEAT = 40;
const WARMUP = 3;
/** The bound on one search statement in SQL (the planner's own plan can read the whole table). */
const SEARCH_TIMEOUT_MS = 20_000;
/** A search in SQL stops repeating after this much time, so a slow plan bounds the run. */
const SEARCH_BUDGET_MS = 30_000;

export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const { say, rows } = options;
  const loadStart = Deno.loadavg()[0];
  const stage = await createStage(1);
  // One connection, so the session setting applies to every index build.
  const sql = postgres(stage.db.url, {
    max: 1,
    onnotice: () => {},
    connection: { maintenance_work_mem: "512MB" },
  });
  const closeSql = onCleanup("run 7's connections", () => sql.end({ timeout: 5 }));
  try {
    // Secondary indexes and the counting trigger go during the load, as a restore does it.
    const indexes = await sql<{ indexname: string; indexdef: string }[]>`
      SELECT indexname, indexdef FROM pg_indexes
       WHERE tablename = 'comments' AND indexname NOT IN ('comments_pkey', 'comments_seq_key')`;
    for (const index of indexes) await sql.unsafe(`DROP INDEX ${index.indexname}`);
    await sql`ALTER TABLE comments DISABLE TRIGGER comments_counted`;

    say(`run 7: loading ${rows.toLocaleString("en-US")} rows by COPY`);
    const corpus = await loadCorpus(PROJECT_ROOT);
    const endMs = Date.now();
    // 31 days, so a 30-day retention pass has one day to delete.
    const spanMs = 31 * DAY_MS;
    const t0 = performance.now();
    const writable = await sql.unsafe(`COPY comments (${COPY_COLUMNS.join(", ")}) FROM STDIN`)
      .writable();
    await pipeline(Readable.from(copyChunks({ rows, corpus, endMs, spanMs })), writable);
    const loadSeconds = (performance.now() - t0) / 1000;
    say(`run 7: loaded in ${loadSeconds.toFixed(0)} s`);

    const indexBuildSeconds: Record<string, number> = {};
    const build = async (name: string, definition: string) => {
      const started = performance.now();
      await sql.unsafe(definition);
      indexBuildSeconds[name] = round((performance.now() - started) / 1000, 1);
      say(`run 7: built ${name} in ${indexBuildSeconds[name]} s`);
    };
    const trigram = indexes.find((index) => index.indexname === "comments_text_trgm_idx");
    if (!trigram) throw new Error("migration 6's comments_text_trgm_idx is missing");
    for (const index of indexes) {
      if (index !== trigram) await build(index.indexname, index.indexdef);
    }
    await sql`INSERT INTO comment_counts (tag, source, count)
              SELECT tag, source, count(*) FROM comments GROUP BY tag, source`;
    await sql`ALTER TABLE comments ENABLE TRIGGER comments_counted`;
    await sql`VACUUM (ANALYZE) comments`;

    const failures: string[] = [];
    /** Runs one step; a failure is recorded and the run goes on. */
    const step = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await run();
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message.split("\n")[0]}`);
        say(`run 7: ${name} FAILED: ${(error as Error).stack}`);
        return undefined;
      }
    };

    say("run 7: the consumer's insert statement without a text index");
    const withoutTrigram = await storeRate(sql, "a");
    const search: NonNullable<ScaleResult["search"]> = { trigram: [] };
    let withFullText: number | undefined;
    if (options.compareFullText) {
      // Built before the trigram index, so its insert cost is measured alone.
      await build("comments_text_fts_idx", FULL_TEXT_INDEX);
      search.fullTextBuildSeconds = indexBuildSeconds.comments_text_fts_idx;
      delete indexBuildSeconds.comments_text_fts_idx;
      search.fullTextIndexMiB = round(
        Number((await sql`SELECT pg_relation_size('comments_text_fts_idx') AS b`)[0].b) / 2 ** 20,
        1,
      );
      withFullText = await storeRate(sql, "f");
      say(`run 7: inserts ${withFullText.toFixed(0)} rows/s with the full-text index alone`);
      await sql`ANALYZE comments`;
      await step("full-text searches in SQL", async () => {
        search.fullText = await measureSearches(sql, "fullText");
      });
      await sql`DROP INDEX comments_text_fts_idx`;
    }
    await build(trigram.indexname, trigram.indexdef);
    await sql`ANALYZE comments`;
    const withTrigram = await storeRate(sql, "b");
    const withTrigramNoFastupdate = await step("insert with fastupdate off", async () => {
      await sql.unsafe(`ALTER INDEX ${trigram.indexname} SET (fastupdate = off)`);
      try {
        return await storeRate(sql, "c");
      } finally {
        await sql.unsafe(`ALTER INDEX ${trigram.indexname} RESET (fastupdate)`);
      }
    });
    say(
      `run 7: inserts ${withoutTrigram.toFixed(0)} rows/s without, ` +
        `${withTrigram.toFixed(0)} rows/s with the trigram index ` +
        `(${withTrigramNoFastupdate?.toFixed(0)} with fastupdate off)`,
    );
    await sql`VACUUM comments`;

    const sizesMiB = await sizes(sql);
    const millions = rows / 1e6;
    const indexTotal = Object.values(sizesMiB.indexes).reduce((a, b) => a + b, 0);
    say(
      `run 7: ${sizesMiB.total} MiB in all, ${
        round(sizesMiB.total / millions, 1)
      } MiB per million rows`,
    );

    say("run 7: the api's answers");
    const api = await step("api", () => measureApi(stage, endMs, spanMs));
    for (const timed of api ?? []) {
      say(`run 7: ${timed.label}: p50 ${timed.p50} ms, p95 ${timed.p95} ms`);
    }

    await step("trigram searches in SQL", async () => {
      search.trigram = await measureSearches(sql, "trigram");
    });
    say("run 7: a retention pass over the oldest day while a writer inserts");
    const retention = await step("retention", () => measureRetention(stage.db.url, sql, endMs));
    if (retention) {
      say(
        `run 7: retention deleted ${retention.deleted} rows in ${retention.seconds} s; ` +
          `writer's longest insert ${retention.writerDuring.max} ms (before: ${retention.writerBefore.max} ms); ` +
          `VACUUM ${retention.vacuumSettings} ${retention.vacuumSeconds} s, writer's longest ` +
          `${retention.writerDuringVacuum.max} ms; manual VACUUM ${retention.manual?.vacuumSeconds} s, ` +
          `writer's longest ${retention.manual?.writerDuringVacuum.max} ms`,
      );
    }

    return {
      rows,
      loadSeconds: round(loadSeconds, 1),
      loadRowsPerSecond: Math.round(rows / loadSeconds),
      indexBuildSeconds,
      sizesMiB,
      perMillionMiB: {
        table: round(sizesMiB.table / millions, 1),
        indexes: round(indexTotal / millions, 1),
        trigramIndex: round((sizesMiB.indexes[trigram.indexname] ?? 0) / millions, 1),
        total: round(sizesMiB.total / millions, 1),
      },
      failures,
      api,
      search,
      storeRate: {
        withoutTrigram: Math.round(withoutTrigram),
        withFullText: withFullText === undefined ? undefined : Math.round(withFullText),
        withTrigram: Math.round(withTrigram),
        withTrigramNoFastupdate: withTrigramNoFastupdate === undefined
          ? undefined
          : Math.round(withTrigramNoFastupdate),
      },
      retention,
      loadAverage: { start: round(loadStart, 2), end: round(Deno.loadavg()[0], 2) },
    };
  } finally {
    await closeSql();
    await stage.close();
  }
}

/** Rows/s of the consumer's statement shape: 3 000 rows, ON CONFLICT DO NOTHING, RETURNING. */
async function storeRate(sql: postgres.Sql, prefix: string): Promise<number> {
  const batches = 15;
  const size = 3000;
  let spent = 0;
  for (let b = 0; b < batches; b++) {
    const rows = Array.from({ length: size }, (_, i) => ({
      comment_id: `new-${prefix}-${b}-${i}`,
      text: `Brand new comment ${b} ${i}: the battery is fine, danke, très bien @u${i}`,
      text_hash: "f".repeat(64),
      tag: "NEUTRAL",
      source: "reddit",
      created_at: new Date(),
      consumer_id: "bench-scale",
    }));
    const started = performance.now();
    await sql`INSERT INTO comments ${sql(rows)} ON CONFLICT (comment_id) DO NOTHING
              RETURNING seq, comment_id`;
    spent += performance.now() - started;
  }
  // Not left in the table: 45 000 rows of near-identical text stored within seconds at its
  // newest end would be the first rows every search and filter walks (run 7 at 10 M rows
  // measured the api behind 180 000 of them), which no real traffic looks like.
  await sql`DELETE FROM comments WHERE comment_id LIKE ${`new-${prefix}-%`}`;
  return (batches * size) / (spent / 1000);
}

async function sizes(sql: postgres.Sql): Promise<ScaleResult["sizesMiB"]> {
  const mib = (bytes: unknown) => round(Number(bytes) / 2 ** 20, 1);
  const [table] = await sql`SELECT pg_table_size('comments') AS t,
                                   pg_total_relation_size('comments') AS total`;
  const indexes = await sql<{ name: string; bytes: string }[]>`
    SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid) AS bytes
      FROM pg_index WHERE indrelid = 'comments'::regclass ORDER BY 1`;
  return {
    table: mib(table.t),
    indexes: Object.fromEntries(indexes.map((row) => [row.name, mib(row.bytes)])),
    total: mib(table.total),
  };
}

function cursorAt(t: string, id: string): string {
  return btoa(JSON.stringify({ t, id })).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

async function timeRequests(label: string, requests: string[]): Promise<Timed> {
  const ms: number[] = [];
  let items = -1;
  for (let i = 0; i < WARMUP + REPEAT; i++) {
    const url = requests[i % requests.length];
    const started = performance.now();
    const response = await fetch(url);
    const body = await response.json();
    const took = performance.now() - started;
    if (!response.ok) {
      throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body)}`);
    }
    if (items < 0) items = Array.isArray(body.items) ? body.items.length : 1;
    if (i >= WARMUP) ms.push(took);
  }
  const d = distribution(ms);
  return {
    label,
    request: new URL(requests[0]).pathname + new URL(requests[0]).search,
    items,
    ...d,
    p50: round(d.p50, 1),
    p95: round(d.p95, 1),
    p99: round(d.p99, 1),
    max: round(d.max, 1),
  };
}

async function measureApi(
  stage: Awaited<ReturnType<typeof createStage>>,
  endMs: number,
  spanMs: number,
): Promise<Timed[]> {
  const { url } = await startApi(stage);
  const comments = (query: string) => `${url}/api/comments?${query}`;
  const results: Timed[] = [];
  for (const search of SEARCHES) {
    const query = new URLSearchParams({
      q: search.q,
      ...(search.source ? { source: search.source } : {}),
      ...(search.tag ? { tag: search.tag } : {}),
    });
    results.push(await timeRequests(search.label, [comments(query.toString())]));
  }
  results.push(await timeRequests("tag + source filter", [comments("tag=NEGATIVE&source=reddit")]));
  // Deep pages: a cursor in the middle of the table, and further back with filters.
  const deep = (fraction: number) =>
    cursorAt(new Date(endMs - spanMs * fraction).toISOString().replace("Z", "000Z"), "zzzz");
  results.push(
    await timeRequests("deep keyset page (15 days back)", [comments(`cursor=${deep(0.5)}`)]),
  );
  results.push(
    await timeRequests("deep keyset page, tag + source (25 days back)", [
      comments(`tag=POSITIVE&source=twitter&cursor=${deep(0.8)}`),
    ]),
  );
  results.push(await timeRequests("/api/statistics", [`${url}/api/statistics`]));
  return results;
}

/** The same searches in SQL, shaped like the api's page query, on one kind of index. */
async function measureSearches(sql: postgres.Sql, kind: "trigram" | "fullText"): Promise<Timed[]> {
  // The one statement is left to the planner, which can take seconds on a bad guess: bounded,
  // so one bad plan is recorded as such instead of stalling the run (one connection: a session
  // setting).
  await sql.unsafe(`SET statement_timeout = ${SEARCH_TIMEOUT_MS}`);
  try {
    return await timeSearches(sql, kind);
  } finally {
    await sql`RESET statement_timeout`;
  }
}

async function timeSearches(sql: postgres.Sql, kind: "trigram" | "fullText"): Promise<Timed[]> {
  const results: Timed[] = [];
  for (const search of SEARCHES) {
    const term = search.q;
    const ms: number[] = [];
    let items = 0;
    let timedOutAfterMs: number | undefined;
    const began = performance.now();
    for (let i = 0; i < WARMUP + REPEAT; i++) {
      if (i > WARMUP && performance.now() - began > SEARCH_BUDGET_MS) break;
      const started = performance.now();
      const found = await searchOnce(sql, kind, search).catch((error: unknown) => {
        // 57014: query_canceled, which statement_timeout raises; anything else is a failure.
        if ((error as { code?: string }).code !== "57014") throw error;
        return null;
      });
      if (found === null) {
        timedOutAfterMs = Math.round(performance.now() - started);
        break;
      }
      if (i >= WARMUP) ms.push(performance.now() - started);
      items = found.length;
    }
    const d = distribution(ms);
    results.push({
      label: search.label,
      request: term,
      items,
      ...d,
      p50: round(d.p50, 1),
      p95: round(d.p95, 1),
      p99: round(d.p99, 1),
      max: round(d.max, 1),
      ...(timedOutAfterMs === undefined ? {} : { timedOutAfterMs }),
    });
  }
  return results;
}

/** One search as the planner plans it alone: the api's page query shape, LIMIT 51. */
function searchOnce(
  sql: postgres.Sql,
  kind: "trigram" | "fullText",
  search: (typeof SEARCHES)[number],
) {
  const term = search.q;
  return kind === "trigram"
    ? sql<{ seq: string }[]>`SELECT seq FROM comments
                     WHERE text ILIKE ${"%" + term.replace(/[\\%_]/g, (c) => "\\" + c) + "%"}
                       ${search.source ? sql`AND source = ${search.source}` : sql``}
                       ${search.tag ? sql`AND tag = ${search.tag}` : sql``}
                     ORDER BY created_at DESC, comment_id DESC LIMIT 51`
    : sql<{ seq: string }[]>`SELECT seq FROM comments
                     WHERE to_tsvector('simple', text) @@ plainto_tsquery('simple', ${term})
                       ${search.source ? sql`AND source = ${search.source}` : sql``}
                       ${search.tag ? sql`AND tag = ${search.tag}` : sql``}
                     ORDER BY created_at DESC, comment_id DESC LIMIT 51`;
}

/** A writer inserting 100-row statements back to back; each statement's latency. */
function startWriter(
  url: string,
): { marks: () => number; since: (mark: number) => number[]; stop: () => Promise<void> } {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const latencies: number[] = [];
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      const rows = Array.from({ length: 100 }, (_, i) => ({
        comment_id: `writer-${n}-${i}`,
        text: `live comment ${n} ${i}`,
        text_hash: "e".repeat(64),
        tag: "POSITIVE",
        source: "twitter",
        created_at: new Date(),
        consumer_id: "bench-writer",
      }));
      n++;
      const started = performance.now();
      await sql`INSERT INTO comments ${
        sql(rows)
      } ON CONFLICT (comment_id) DO NOTHING RETURNING seq`;
      latencies.push(performance.now() - started);
      await delay(5);
    }
  })();
  return {
    marks: () => latencies.length,
    since: (mark) => latencies.slice(mark),
    stop: async () => {
      running = false;
      await loop;
      await sql.end({ timeout: 5 });
    },
  };
}

async function measureRetention(
  url: string,
  sql: postgres.Sql,
  endMs: number,
): Promise<ScaleResult["retention"]> {
  const writer = startWriter(url);
  const rounded = (d: Distribution): Distribution => ({
    count: d.count,
    p50: round(d.p50, 1),
    p95: round(d.p95, 1),
    p99: round(d.p99, 1),
    max: round(d.max, 1),
  });
  try {
    await delay(10_000);
    const writerBefore = rounded(distribution(writer.since(0)));
    // A pass over one day (the loaded rows end at endMs and span 31 days), then a VACUUM.
    const passThenVacuum = async (keepDays: number, vacuum: () => Promise<unknown>) => {
      const mark = writer.marks();
      const started = performance.now();
      const pass = await retentionPass(sql, {
        cutoff: new Date(endMs - keepDays * DAY_MS),
        batchSize: 2000,
      });
      const seconds = (performance.now() - started) / 1000;
      const writerDuring = rounded(distribution(writer.since(mark)));
      const vacuumMark = writer.marks();
      const vacuumStarted = performance.now();
      await vacuum();
      return {
        pass,
        seconds,
        writerDuring,
        vacuumSeconds: round((performance.now() - vacuumStarted) / 1000, 1),
        writerDuringVacuum: rounded(distribution(writer.since(vacuumMark))),
      };
    };
    // The product never runs VACUUM: autovacuum does, in one process (no parallel index
    // workers) and throttled by its cost delay and limit, which spread its reads, dirty pages
    // and WAL over time. A manual VACUUM has no delay: at 10 M rows it held the writer's
    // commits in WAL fsync (IO:WALSync and the WALWrite lock, no lock on the table waited on)
    // for hundreds of ms (BENCHMARKS.md "Scale (run 7)").
    const [cost] = await sql<{ delay: string; limit: string }[]>`
      SELECT current_setting('autovacuum_vacuum_cost_delay') AS delay,
             CASE WHEN current_setting('autovacuum_vacuum_cost_limit')::int > 0
                  THEN current_setting('autovacuum_vacuum_cost_limit')
                  ELSE current_setting('vacuum_cost_limit') END AS limit`;
    const asAutovacuum = await passThenVacuum(30, async () => {
      await sql`SELECT set_config('vacuum_cost_delay', ${cost.delay}, false),
                       set_config('vacuum_cost_limit', ${cost.limit}, false)`;
      try {
        await sql`VACUUM (PARALLEL 0) comments`;
      } finally {
        await sql`RESET vacuum_cost_delay`;
        await sql`RESET vacuum_cost_limit`;
      }
    });
    const manual = await passThenVacuum(29, () => sql`VACUUM comments`);
    return {
      deleted: asAutovacuum.pass.deleted,
      chunks: asAutovacuum.pass.chunks,
      seconds: round(asAutovacuum.seconds, 1),
      rowsPerSecond: Math.round(asAutovacuum.pass.deleted / asAutovacuum.seconds),
      longestChunkMs: round(asAutovacuum.pass.longestChunkMs, 1),
      writerBefore,
      writerDuring: asAutovacuum.writerDuring,
      vacuumSeconds: asAutovacuum.vacuumSeconds,
      writerDuringVacuum: asAutovacuum.writerDuringVacuum,
      vacuumSettings: `as autovacuum: cost delay ${cost.delay}, cost limit ${cost.limit}, ` +
        "no parallel workers",
      manual: {
        deleted: manual.pass.deleted,
        seconds: round(manual.seconds, 1),
        writerDuring: manual.writerDuring,
        vacuumSeconds: manual.vacuumSeconds,
        writerDuringVacuum: manual.writerDuringVacuum,
      },
    };
  } finally {
    await writer.stop();
  }
}
