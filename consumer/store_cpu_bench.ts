/**
 * CPU per stored row, on both sides of the consumer's store statement: the PostgreSQL backend
 * that runs it (`/proc/<pid>/schedstat` of the one connection's backend, nanoseconds, the same
 * clock as utime+stime without its 10 ms ticks) and this process (`process.cpuUsage`, which is
 * postgres.js building the request and parsing the answer, plus the store's own code). Other
 * PostgreSQL processes the writes wake (WAL writer, background writer, checkpointer) are summed
 * apart: they serve the whole server, so other users' writes show there too.
 *
 *     deno run -P=consumer-bench consumer/store_cpu_bench.ts [--rows=30000] [--prefill=20000]
 *       [--repeat=1] [--parts=12]
 *
 * (`deno task bench:store-cpu`; a script, not `Deno.bench`, whose `n: 1` still runs three times;
 * inert when `deno bench` loads it; not part of `deno task test`). Needs PostgreSQL
 * (`deno task infra start`); skipped with a loud line when it is unreachable. Every measurement
 * gets a fresh database from the testkit, pre-filled with `--prefill` rows, autovacuum off for
 * `comments` so the trigram index's pending-list merges are paid by the measured backend and not
 * by a worker that may or may not come by (the list is merged at the start and the end of the
 * measured part, which is therefore included); then a few warm-up batches, then `--rows` rows.
 *
 * Part 1 compares ways to store a batch (the fresh share of each batch new, the rest already
 * stored, as after a restart): the store as it is (`PostgresCommentStore`), alternatives that
 * return the same rows. Part 2 prices each index and the statement trigger: the store's statement
 * into a table with that one dropped, against the full table. Part 3 runs the statement before
 * (a) and store.ts in turns on one backend, which cancels most of the drift between measurements
 * that parts 1 and 2 show on a shared machine (±15 µs a row from one minute to the next).
 *
 * @module
 */
import process from "node:process";
import postgres from "postgres";
import { createTestDatabase, unavailableInfrastructure } from "@sentiment/testkit";
import {
  COMMENT_COLUMNS,
  COMMENT_INPUT_COLUMNS,
  type CommentColumn,
} from "@sentiment/contracts/db/comment_row";
import {
  EXISTING_ROWS,
  INPUT_RECORD,
  ISO,
  type NewComment,
  PostgresCommentStore,
  type StoredComment,
} from "./store.ts";
import { textHash } from "./text_hash.ts";

const flag = (name: string, fallback: number) => {
  const arg = Deno.args.find((value) => value.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};
/** Rows stored per measurement (after the warm-up). */
const ROWS = flag("rows", 30_000);
/** Rows in the table before a measurement starts. */
const PREFILL = flag("prefill", 20_000);
/** Rounds over all cases (medians are printed). */
const REPEAT = flag("repeat", 1);
/** Which parts to run: any of 1, 2 and 3 ("123": all). */
const PARTS = String(flag("parts", 123)).split("").map(Number);
const WARMUP_BATCHES = 3;
/** Batches per segment of part 3. */
const PAIR_BATCHES = 4;
const BATCH_SIZES = [100, 500, 2_000];
/** Share of each batch already stored (a replay after a restart). */
const REPEAT_SHARES = [0, 0.25];
/** Batch size of part 2. */
const INDEX_BATCH = 2_000;

/** One way to store a batch; every one returns what `CommentStore.store` promises. */
type StoreFn = (sql: postgres.Sql, comments: readonly NewComment[]) => Promise<StoredComment[]>;

const INPUT_COLUMN_LIST = Object.keys(COMMENT_INPUT_COLUMNS).join(", ");

/** COPY text format: backslash, tab, newline and carriage return escaped; \N is NULL. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(
      /[\\\t\n\r]/g,
      (c) => c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
    )
    : value;
}

/** A text[] literal, each element quoted (quotes and backslashes escaped inside). */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(",")}}`;
}

function copyLine(c: NewComment): string {
  const nullable = (value: string | null) => value === null ? "\\N" : copyText(value);
  return [
    copyText(c.comment_id),
    copyText(c.text),
    copyText(c.text_hash),
    c.tag,
    copyText(c.source),
    c.created_at,
    copyText(c.consumer_id),
    String(c.retry_count),
    c.score === null ? "\\N" : String(c.score),
    nullable(c.language),
    c.reasons === null ? "\\N" : copyText(arrayLiteral(c.reasons)),
  ].join("\t") + "\n";
}

/**
 * (b) COPY into a temporary staging table, then (a)'s INSERT … SELECT … ON CONFLICT … RETURNING
 * from it, in one transaction (the staging table is per session, emptied at commit).
 */
const copyThenInsert: StoreFn = async (sql, comments) => {
  if (comments.length === 0) return [];
  const stored = await sql.begin(async (tx) => {
    await tx.unsafe(
      `CREATE TEMP TABLE IF NOT EXISTS comments_in (${INPUT_RECORD}) ON COMMIT DELETE ROWS`,
    );
    const writable = await tx.unsafe(`COPY comments_in (${INPUT_COLUMN_LIST}) FROM STDIN`)
      .writable();
    await new Promise<void>((resolve, reject) => {
      writable.on("error", reject);
      writable.on("finish", resolve);
      writable.end(comments.map(copyLine).join(""));
    });
    return await tx.unsafe<Row[]>(statementOver("comments_in"), [], { prepare: true });
  });
  return finish(sql, comments, stored as unknown as Row[]);
};

/** A row as the statements return it (seq is a bigint, so text). */
type Row = Omit<StoredComment, "seq"> & { seq: string | number };

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', ${ISO})`;

/**
 * The new rows' half of the earlier statement's UNION, column for column as EXISTING_ROWS has
 * them: seq and processed_at as assigned, the rest NULL (what was sent).
 */
const INSERTED_HALF = `SELECT true AS inserted, ${
  (Object.keys(COMMENT_COLUMNS) as CommentColumn[]).map((column) => {
    if (column === "seq" || column === "comment_id") return column;
    if (column === "processed_at") return `${iso(column)} AS ${column}`;
    const type = COMMENT_COLUMNS[column] === "timestamptz" ? "text" : COMMENT_COLUMNS[column];
    return `NULL::${type} AS ${column}`;
  }).join(", ")
} FROM inserted`;

/** The store's statement shape over a row source (`input`): new rows, and if `both`, old ones. */
function statementOver(source: string, both = true): string {
  const insert = `
    WITH input AS (SELECT * FROM ${source}), inserted AS (
      INSERT INTO comments (${INPUT_COLUMN_LIST})
      SELECT ${INPUT_COLUMN_LIST} FROM input ORDER BY comment_id
      ON CONFLICT (comment_id) DO NOTHING
      RETURNING seq, comment_id, processed_at
    )`;
  return both
    ? `${insert}
    ${INSERTED_HALF}
    UNION ALL ${EXISTING_ROWS} WHERE c.comment_id IN (SELECT comment_id FROM input)`
    : `${insert}
    SELECT true AS inserted, seq, comment_id, ${iso("processed_at")} AS processed_at
    FROM inserted`;
}

/** Turns rows into StoredComments the way the store does; finds what neither half returned. */
async function finish(
  sql: postgres.Sql,
  comments: readonly NewComment[],
  rows: readonly Row[],
): Promise<StoredComment[]> {
  const sent = new Map<string, NewComment>();
  for (const comment of comments) sent.set(comment.comment_id, comment);
  const stored: StoredComment[] = [];
  for (const row of rows) {
    const comment = row.inserted ? sent.get(row.comment_id) : undefined;
    stored.push(
      comment === undefined ? { ...row, seq: Number(row.seq) } : {
        ...comment,
        seq: Number(row.seq),
        created_at: comment.created_at,
        processed_at: row.processed_at,
        inserted: true,
      },
    );
  }
  if (stored.length < comments.length) {
    const found = new Set(stored.map((row) => row.comment_id));
    const missing = comments.map((c) => c.comment_id).filter((id) => !found.has(id));
    stored.push(...await new PostgresCommentStore(sql).find(missing));
  }
  return stored;
}

const RECORD = `AS x(${INPUT_RECORD})`;

/** (c) (a) with `json` instead of `jsonb` (parsed as it is read, no jsonb tree first). */
const jsonStatement: StoreFn = async (sql, comments) => {
  if (comments.length === 0) return [];
  const rows = await sql.unsafe<Row[]>(
    statementOver(`json_to_recordset($1::text::json) ${RECORD}`),
    [JSON.stringify(comments)],
    { prepare: true },
  );
  return finish(sql, comments, rows);
};

/**
 * (a) The store's statement before the INSERT-only one (2026-12-04), spelled again: the INSERT
 * in a CTE and, in the same statement, a UNION with the rows of the table that were there.
 */
const insertAndUnion: StoreFn = async (sql, comments) => {
  if (comments.length === 0) return [];
  const rows = await sql.unsafe<Row[]>(
    statementOver(`jsonb_to_recordset($1::jsonb) ${RECORD}`),
    [sql.json(comments as unknown as postgres.JSONValue) as unknown as string],
    { prepare: true },
  );
  return finish(sql, comments, rows);
};

/** (d) store.ts's INSERT … RETURNING with `jsonb_to_recordset`, as (a) has it. */
const insertThenFind: StoreFn = async (sql, comments) => {
  if (comments.length === 0) return [];
  const rows = await sql.unsafe<Row[]>(
    statementOver(`jsonb_to_recordset($1::jsonb) ${RECORD}`, false),
    [sql.json(comments as unknown as postgres.JSONValue) as unknown as string],
    { prepare: true },
  );
  return finish(sql, comments, rows);
};

/** The store as it is. */
const current: StoreFn = (sql, comments) => new PostgresCommentStore(sql).store(comments);

const WAYS: Record<string, StoreFn> = {
  "(a) INSERT + UNION with the table (before)": insertAndUnion,
  "(b) COPY to temp table, then (a) from it": copyThenInsert,
  "(c) (a) with json_to_recordset": jsonStatement,
  "(d) INSERT … RETURNING, then find repeats": insertThenFind,
  "(e) (d) with json_to_recordset (store.ts)": current,
};

/** What part 2 drops, one at a time: every index but the primary key, and the trigger. */
const DROPS: Record<string, string> = {
  "comments_seq_key (UNIQUE seq)": "ALTER TABLE comments DROP CONSTRAINT comments_seq_key",
  comments_created_idx: "DROP INDEX comments_created_idx",
  comments_tag_created_idx: "DROP INDEX comments_tag_created_idx",
  comments_source_created_idx: "DROP INDEX comments_source_created_idx",
  comments_processed_idx: "DROP INDEX comments_processed_idx",
  "comments_text_trgm_idx (GIN)": "DROP INDEX comments_text_trgm_idx",
  "trigger comments_counted": "DROP TRIGGER comments_counted ON comments",
};
DROPS["all six and the trigger (heap + primary key)"] = Object.values(DROPS).join("; ");

/** Other settings of the trigram index tried in part 2 (it is the dearest, see BENCHMARKS.md). */
const GIN_SETTINGS: Record<string, string> = {
  "GIN fastupdate = off": "ALTER INDEX comments_text_trgm_idx SET (fastupdate = off)",
  "GIN pending list 32 MB (4 MB default)":
    "ALTER INDEX comments_text_trgm_idx SET (gin_pending_list_limit = 32768)",
};

const WORDS = ("love hate update app phone battery screen price support delivery great awful " +
  "never always slow fast crash bug fix release camera music video account login refund order " +
  "shipping quality design service team product feature version android iphone")
  .split(" ");
const SOURCES = ["twitter", "youtube", "reddit", "trustpilot"];
const TAGS = ["POSITIVE", "NEGATIVE", "NEUTRAL", "UNRELATED"] as const;

let made = 0;
/** A fresh comment shaped like the producer's: 8–16 words, a reason or two, a score. */
function freshComment(): NewComment {
  const n = made++;
  const words = Array.from(
    { length: 8 + (n % 9) },
    (_, i) => WORDS[(n * 7 + i * 13 + (n >> 3)) % WORDS.length],
  );
  const text = `${words.join(" ")} #${n}`;
  return {
    comment_id: crypto.randomUUID(),
    text,
    text_hash: textHash(text),
    tag: TAGS[n % 4],
    source: SOURCES[(n >> 2) % 4],
    created_at: new Date(Date.UTC(2026, 11, 1) + n * 37).toISOString(),
    consumer_id: "store-cpu-bench",
    retry_count: n % 40 === 0 ? 1 : 0,
    score: n % 4 === 3 ? null : ((n % 200) - 100) / 100,
    language: "en",
    reasons: n % 4 === 3 ? null : [words[0], words[1]],
  };
}

/** Batches of `size`, `repeatShare` of each taken from the batch before (stored already). */
function batches(count: number, size: number, repeatShare: number): NewComment[][] {
  const repeats = Math.round(size * repeatShare);
  const out: NewComment[][] = [];
  let previous: NewComment[] = [];
  for (let i = 0; i < count; i++) {
    const again = previous.slice(0, i === 0 ? 0 : repeats);
    const batch = [...again, ...Array.from({ length: size - again.length }, freshComment)];
    // The consumer's batches are in Kafka order, not id order.
    batch.sort(() => Math.random() - 0.5);
    out.push(batch);
    previous = batch;
  }
  return out;
}

async function output(command: string, args: string[]): Promise<string> {
  const result = await new Deno.Command(command, { args, stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(result.stdout);
}

/** CPU nanoseconds of each pid (first field of /proc/<pid>/schedstat); missing pids left out. */
async function cpuNs(pids: readonly number[]): Promise<Map<number, number>> {
  // Deno lets only --allow-all read another process's /proc files; `head` may.
  const text = await output("head", ["-q", ...pids.map((pid) => `/proc/${pid}/schedstat`)]);
  const lines = text.trim().split("\n");
  const ns = new Map<number, number>();
  if (lines.length === pids.length) {
    pids.forEach((pid, i) => ns.set(pid, Number(lines[i].split(" ")[0])));
  }
  return ns;
}

/** The postmaster's helpers that every write feeds (not backends, not autovacuum workers). */
async function helperPids(backend: number): Promise<number[]> {
  const parent = (await output("ps", ["-o", "ppid=", "-p", String(backend)])).trim();
  const listing = await output("ps", ["-o", "pid=,args=", "--ppid", parent]);
  return listing.split("\n")
    .filter((line) => /postgres: (walwriter|background writer|checkpointer)/.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** Merges the trigram index's pending list, when the index is there. */
async function cleanPendingList(sql: postgres.Sql): Promise<void> {
  await sql`SELECT gin_clean_pending_list(indexrelid) FROM pg_index
            WHERE indexrelid = to_regclass('comments_text_trgm_idx')`;
}

interface Figures {
  backendUs: number;
  helpersUs: number;
  clientUs: number;
  wallMs: number;
  rows: number;
}

const clientUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** One measurement in a fresh database: prefill, optional change, warm-up, measured batches. */
async function measure(
  way: StoreFn,
  size: number,
  repeatShare: number,
  change?: string,
): Promise<Figures> {
  await using db = await createTestDatabase();
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`ALTER TABLE comments SET (autovacuum_enabled = false)`);
    if (change) await sql.unsafe(change);
    if (PREFILL > 0) {
      for (let done = 0; done < PREFILL; done += 5_000) {
        await current(sql, Array.from({ length: Math.min(5_000, PREFILL - done) }, freshComment));
      }
      await sql`CHECKPOINT`.catch(() => {}); // not allowed for a non-superuser: fine, skipped
    }
    const count = Math.ceil(ROWS / size);
    const all = batches(WARMUP_BATCHES + count, size, repeatShare);
    for (const batch of all.slice(0, WARMUP_BATCHES)) {
      await sameAsStored(sql, batch, await way(sql, batch));
    }
    // The trigram index's pending list is merged whenever it outgrows gin_pending_list_limit:
    // emptied before and merged again at the end, inside the measurement, every row pays its
    // merge once, whichever batch happened to cross the limit.
    await cleanPendingList(sql);
    const [{ pid }] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const helpers = await helperPids(pid);
    const measured = all.slice(WARMUP_BATCHES);
    const before = await cpuNs([pid, ...helpers]);
    const clientBefore = clientUs();
    const started = performance.now();
    let rows = 0;
    for (const batch of measured) {
      const stored = await way(sql, batch);
      if (stored.length !== batch.length) {
        throw new Error(`${stored.length} rows back for ${batch.length}`);
      }
      rows += batch.length;
    }
    await cleanPendingList(sql);
    const wallMs = performance.now() - started;
    const client = clientUs() - clientBefore;
    const after = await cpuNs([pid, ...helpers]);
    const [{ again }] = await sql<{ again: number }[]>`SELECT pg_backend_pid() AS again`;
    if (again !== pid || !after.has(pid)) throw new Error("the backend changed mid-measurement");
    let helpersNs = 0;
    for (const helper of helpers) helpersNs += (after.get(helper) ?? 0) - (before.get(helper) ?? 0);
    return {
      backendUs: ((after.get(pid) ?? 0) - (before.get(pid) ?? 0)) / 1_000,
      helpersUs: helpersNs / 1_000,
      clientUs: client,
      wallMs,
      rows,
    };
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** Throws unless `returned` is, row for row, what the table holds for `batch` (the promise). */
async function sameAsStored(
  sql: postgres.Sql,
  batch: readonly NewComment[],
  returned: readonly StoredComment[],
): Promise<void> {
  const key = (row: StoredComment) =>
    JSON.stringify(Object.entries(row).filter(([k]) => k !== "inserted").sort());
  const table = await new PostgresCommentStore(sql).find(batch.map((c) => c.comment_id));
  const got = returned.map(key).sort();
  const want = table.map(key).sort();
  if (got.length !== batch.length || JSON.stringify(got) !== JSON.stringify(want)) {
    const at = got.findIndex((row, i) => row !== want[i]);
    throw new Error(`returned rows differ from the stored ones:\n${got[at]}\n${want[at]}`);
  }
}

const perRow = (us: number, rows: number) => (us / rows).toFixed(1);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)]
    .join("\n");
}

/** Measures everything and prints the tables. */
/**
 * Part 3: (a) against store.ts on one backend and one table, in alternating segments of
 * `PAIR_BATCHES` batches, so that both see the same machine minute and the same table size;
 * the trigram pending list is merged at the end of every segment, inside it.
 */
async function paired(size: number, segments: number): Promise<{ a: Figures; store: Figures }> {
  await using db = await createTestDatabase();
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`ALTER TABLE comments SET (autovacuum_enabled = false)`);
    for (let done = 0; done < PREFILL; done += 5_000) {
      await current(sql, Array.from({ length: Math.min(5_000, PREFILL - done) }, freshComment));
    }
    for (const way of [insertAndUnion, current]) {
      for (const batch of batches(WARMUP_BATCHES, size, 0)) await way(sql, batch);
    }
    await cleanPendingList(sql);
    const [{ pid }] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const sums = [insertAndUnion, current].map(() => ({ backend: 0, client: 0, wall: 0, rows: 0 }));
    for (let segment = 0; segment < segments; segment++) {
      // Which goes first alternates too.
      const order = segment % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const way = i === 0 ? insertAndUnion : current;
        const work = batches(PAIR_BATCHES, size, 0);
        const before = (await cpuNs([pid])).get(pid) ?? 0;
        const clientBefore = clientUs();
        const started = performance.now();
        for (const batch of work) await way(sql, batch);
        await cleanPendingList(sql);
        sums[i].wall += performance.now() - started;
        sums[i].client += clientUs() - clientBefore;
        sums[i].backend += ((await cpuNs([pid])).get(pid) ?? 0) - before;
        sums[i].rows += PAIR_BATCHES * size;
      }
    }
    const figures = sums.map((sum): Figures => ({
      backendUs: sum.backend / 1_000,
      helpersUs: 0,
      clientUs: sum.client,
      wallMs: sum.wall,
      rows: sum.rows,
    }));
    return { a: figures[0], store: figures[1] };
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** The median of some figures, and their range. */
function spread(values: readonly number[]): { median: number; text: string } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length % 2 === 1
    ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const text = sorted.length === 1
    ? median.toFixed(1)
    : `${median.toFixed(1)} (${sorted[0].toFixed(1)}–${sorted[sorted.length - 1].toFixed(1)})`;
  return { median, text };
}

/**
 * Measures every case `REPEAT` times, round-robin (a slow minute of the machine then touches
 * every case once instead of one case every time), and returns the figures of each case.
 */
async function rounds<Case>(
  cases: readonly Case[],
  run: (c: Case) => Promise<Figures>,
  label: (c: Case) => string,
): Promise<Figures[][]> {
  const figures: Figures[][] = cases.map(() => []);
  for (let round = 1; round <= REPEAT; round++) {
    for (const [i, c] of cases.entries()) {
      const f = await run(c);
      figures[i].push(f);
      console.log(
        `round ${round}: ${label(c)}: backend ${perRow(f.backendUs, f.rows)}, client ${
          perRow(f.clientUs, f.rows)
        } µs/row`,
      );
    }
  }
  return figures;
}

const us = (figures: readonly Figures[], pick: (f: Figures) => number) =>
  spread(figures.map((f) => pick(f) / f.rows));

async function main(): Promise<void> {
  const load = () => Deno.loadavg().map((value) => value.toFixed(2));
  const loadBefore = load();
  const part1: string[][] = [];
  if (PARTS.includes(1)) {
    const cases = BATCH_SIZES.flatMap((size) =>
      REPEAT_SHARES.flatMap((share) => Object.keys(WAYS).map((way) => ({ size, share, way })))
    );
    const figures = await rounds(
      cases,
      (c) => measure(WAYS[c.way], c.size, c.share),
      (c) => `${c.way}, ${c.size}, ${c.share * 100} % repeats`,
    );
    for (const [i, c] of cases.entries()) {
      part1.push([
        c.way,
        String(c.size),
        `${c.share * 100} %`,
        us(figures[i], (f) => f.backendUs).text,
        us(figures[i], (f) => f.helpersUs).median.toFixed(1),
        us(figures[i], (f) => f.clientUs).text,
        String(Math.round(spread(figures[i].map((f) => f.rows / (f.wallMs / 1000))).median)),
      ]);
    }
  }
  const part2: string[][] = [];
  if (PARTS.includes(2)) {
    const changes: [string, string | undefined][] = [
      ["nothing (full schema)", undefined],
      ...Object.entries({ ...DROPS, ...GIN_SETTINGS }),
    ];
    const figures = await rounds(
      changes,
      ([, change]) => measure(current, INDEX_BATCH, 0, change),
      ([name]) => name,
    );
    const base = us(figures[0], (f) => f.backendUs).median;
    for (const [i, [name]] of changes.entries()) {
      const backend = us(figures[i], (f) => f.backendUs);
      part2.push([
        name,
        backend.text,
        i === 0 ? "" : (base - backend.median).toFixed(1),
        us(figures[i], (f) => f.clientUs).median.toFixed(1),
      ]);
    }
  }
  const part3: string[][] = [];
  if (PARTS.includes(3)) {
    for (const size of BATCH_SIZES) {
      const segments = Math.max(2, Math.round(ROWS / (PAIR_BATCHES * size)));
      const { a, store } = await paired(size, segments);
      for (const [name, f] of [["(a) before", a], ["store.ts", store]] as const) {
        const row = [
          name,
          String(size),
          perRow(f.backendUs, f.rows),
          perRow(f.clientUs, f.rows),
          String(Math.round(f.rows / (f.wallMs / 1000))),
        ];
        console.log(`paired: ${row.join("  ")}`);
        part3.push(row);
      }
    }
  }
  const loadAfter = load();
  console.log(
    `\nstore_cpu_bench: load average ${loadBefore.join(" ")} before, ${
      loadAfter.join(" ")
    } after; ${ROWS} rows per measurement into ${PREFILL} pre-filled, 1 connection, ${REPEAT} ` +
      `round(s): median (min–max) µs per row\n`,
  );
  if (part1.length > 0) {
    console.log(table(
      [
        "statement",
        "batch",
        "repeats",
        "backend µs/row",
        "helpers µs/row",
        "client µs/row",
        "rows/s (1 writer)",
      ],
      part1,
    ));
  }
  if (part2.length > 0) {
    console.log(
      `\nEach index and the trigger dropped, alone (store.ts, ${INDEX_BATCH} fresh a batch):\n`,
    );
    console.log(table(["change", "backend µs/row", "saved µs/row", "client µs/row"], part2));
  }
  if (part3.length > 0) {
    console.log(
      `\n(a) and store.ts alternating on one backend, ${PAIR_BATCHES} batches a segment, fresh ids:\n`,
    );
    console.log(table(["statement", "batch", "backend µs/row", "client µs/row", "rows/s"], part3));
  }
}

if (import.meta.main) {
  if ((await unavailableInfrastructure()).includes("PostgreSQL")) {
    console.error("\n!!! store_cpu_bench: PostgreSQL unreachable; the benchmark is SKIPPED\n");
  } else {
    await main();
  }
}
