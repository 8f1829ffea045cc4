/**
 * What `/api/comments?q=` finds, on real PostgreSQL with the trigram index of migration 6: the
 * semantics the README promises (case-insensitive substring, any of the six languages, wildcards
 * literal), combined with the other filters and keyset pages, and a miss answered from the index
 * instead of a scan of the table.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import postgres from "postgres";
import { createTestDatabase, integrationTest, storeComments } from "@sentiment/testkit";
import {
  type CommentsFilter,
  commentsReader,
  decodeCursor,
  DEFAULT_SEARCH_TUNING,
  type SearchTuning,
} from "./comments_query.ts";

const TEXTS: Record<string, string> = {
  de: "Die größte Überraschung: der Akku hält ewig",
  tr: "Çok güzel, İstanbul'dan aldım ve hiç pişman değilim",
  fr: "Très déçu, l'écran s'est cassé après une semaine",
  es: "Llegó antes de lo previsto, ¡qué maravilla!",
  pt: "A bateria não dura nada, que decepção",
  it: "Perfetto, la qualità è ottima",
  en: "The battery life is 100% better than my old phone",
  en2: "Battery died after 1000 charges, 10/10 would not buy again @support_team",
};

/** The ids (the keys of TEXTS) a search finds, newest first. */
async function search(
  reader: ReturnType<typeof commentsReader>,
  filter: Partial<CommentsFilter>,
): Promise<string[]> {
  const page = await reader.page({ limit: 50, ...filter });
  return page.items.map((item) => item.commentId);
}

/** Every id a search finds, page after page of `limit` through the cursors it hands out. */
async function walkPages(
  reader: ReturnType<typeof commentsReader>,
  filter: Partial<CommentsFilter>,
  limit: number,
): Promise<string[]> {
  const walked: string[] = [];
  let after: CommentsFilter["after"];
  for (let pages = 0; pages < 500; pages++) {
    const page = await reader.page({ ...filter, limit, after });
    ok(page.items.length <= limit);
    walked.push(...page.items.map((item) => item.commentId));
    if (!page.nextCursor) return walked;
    after = decodeCursor(page.nextCursor);
    ok(after.id === page.items.at(-1)?.commentId, "the cursor is the page's last comment");
  }
  throw new Error(`more than 500 pages of ${limit}`);
}

integrationTest("q: case-insensitive substring in every language, wildcards literal", async () => {
  await using db = await createTestDatabase();
  const base = Date.UTC(2026, 0, 1);
  await storeComments(
    db.sql,
    Object.entries(TEXTS).map(([commentId, text], i) => ({
      commentId,
      text,
      createdAt: new Date(base + i * 1000),
    })),
  );
  const reader = commentsReader(db.sql);
  const cases: [string, string[]][] = [
    // Case folds by Unicode rules, accents and all.
    ["ÜBERRASCHUNG", ["de"]],
    ["größte", ["de"]],
    ["ÇOK GÜZEL", ["tr"]],
    ["istanbul", ["tr"]],
    ["DÉÇU", ["fr"]],
    ["DECEPÇÃO", ["pt"]],
    ["¡qué", ["es"]],
    ["QUALITÀ", ["it"]],
    // Parts of words and of codes are found; the newest first.
    ["batter", ["en2", "en"]],
    ["BATERIA", ["pt"]],
    ["support_te", ["en2"]],
    ["@support", ["en2"]],
    // % and _ are the characters themselves, not wildcards.
    ["100%", ["en"]],
    ["1_0", []],
    ["10/10", ["en2"]],
    // No folding beyond case: an accent or ß is a different letter.
    ["decu", []],
    ["grösste", []],
    ["zzzzqqq", []],
  ];
  for (const [q, expected] of cases) assertEquals(await search(reader, { q }), expected, q);
});

integrationTest(
  "q with tag, source, time and keyset pages: every match once, in order",
  async () => {
    await using db = await createTestDatabase();
    const base = Date.UTC(2026, 0, 1);
    await storeComments(
      db.sql,
      Array.from({ length: 300 }, (_, i) => ({
        commentId: `c${String(i).padStart(3, "0")}`,
        // Several share a created_at, so pages also break ties by comment_id.
        createdAt: new Date(base + Math.floor(i / 4) * 1000),
        text: i % 3 === 0 ? `Akku leer nach ${i} Tagen` : `alles gut ${i}`,
        source: i % 2 === 0 ? "reddit" : "youtube",
        tag: i % 5 === 0 ? "NEGATIVE" : "POSITIVE",
      })),
    );
    const reader = commentsReader(db.sql);
    const filter = { q: "AKKU", source: "reddit", from: new Date(base + 5_000).toISOString() };
    const walked = await walkPages(reader, filter, 7);
    const expected = (await db.sql<{ comment_id: string }[]>`
    SELECT comment_id FROM comments
     WHERE text ILIKE '%akku%' AND source = 'reddit' AND created_at >= ${filter.from}
     ORDER BY created_at DESC, comment_id DESC`).map((row) => row.comment_id);
    ok(expected.length > 20, "several pages");
    assertEquals(walked, expected);
    const withTag = await search(reader, { ...filter, tag: "NEGATIVE", limit: 200 });
    assertEquals(
      withTag,
      expected.filter((id) => Number(id.slice(1)) % 5 === 0),
    );
  },
);

integrationTest(
  "a search walks windows, takes time slices or every match from the trigram index: the same pages every way",
  async () => {
    await using db = await createTestDatabase();
    const base = Date.UTC(2026, 0, 1);
    // A term common among the newest rows and rare further back (where the index is cheaper
    // than walking), one spread evenly, and one in a few old rows only.
    await storeComments(
      db.sql,
      Array.from({ length: 1200 }, (_, i) => {
        const words = [
          (i >= 1000 && i % 3 === 0) || i % 97 === 0 ? "Akku" : "",
          i % 7 === 0 ? "Display" : "",
          i < 40 && i % 4 === 0 ? "Kamera" : "",
        ];
        return {
          commentId: `c${String(i).padStart(4, "0")}`,
          createdAt: new Date(base + Math.floor(i / 3) * 1000),
          text: `${words.join(" ")} comment ${i}`,
          source: i % 2 === 0 ? "reddit" : "youtube",
          tag: i % 5 === 0 ? "NEGATIVE" : "POSITIVE",
        };
      }),
    );
    const costs = DEFAULT_SEARCH_TUNING.costs;
    const tunings: Record<string, SearchTuning> = {
      default: DEFAULT_SEARCH_TUNING,
      "walk only": { ...DEFAULT_SEARCH_TUNING, firstWindow: 5, walkRows: Infinity, maxWindow: 40 },
      "index at once": {
        ...DEFAULT_SEARCH_TUNING,
        firstWindow: 1,
        walkRows: 0,
        costs: { ...costs, indexScan: 0, matchRow: 0 },
      },
      "windows, slices, index": {
        firstWindow: 8,
        sampleRows: 5_000,
        walkRows: 30,
        maxWindow: 64,
        maxSliceRows: 40,
        costs: { indexScan: 0, indexEntry: 0, timeRow: 0, matchRow: 1 },
      },
    };
    const filters: Partial<CommentsFilter>[] = [
      { q: "akku" },
      { q: "DISPLAY", source: "reddit" },
      { q: "kamera", tag: "NEGATIVE" },
      {
        q: "akku",
        from: new Date(base + 50_000).toISOString(),
        to: new Date(base + 380_000).toISOString(),
      },
      { q: "zzzzqqq" },
    ];
    // Which ways each tuning took, from the statements sent.
    const ways: Record<string, Set<string>> = {};
    let tuningName = "";
    const sql = postgres(db.url, {
      max: 1,
      onnotice: () => {},
      debug: (_connection, query) => {
        const way = query.includes("recent AS MATERIALIZED")
          ? "window"
          : query.includes("ctid >=") || query.includes("FROM pg_class")
          ? "sample"
          : !query.includes("matches AS MATERIALIZED")
          ? "other"
          : query.includes("-- a slice")
          ? "slice"
          : "index";
        (ways[tuningName] ??= new Set()).add(way);
      },
    });
    try {
      for (const filter of filters) {
        const expected = (await db.sql<{ comment_id: string }[]>`
        SELECT comment_id FROM comments
         WHERE text ILIKE ${"%" + filter.q + "%"}
           ${filter.source ? db.sql`AND source = ${filter.source}` : db.sql``}
           ${filter.tag ? db.sql`AND tag = ${filter.tag}` : db.sql``}
           ${filter.from ? db.sql`AND created_at >= ${filter.from}` : db.sql``}
           ${filter.to ? db.sql`AND created_at < ${filter.to}` : db.sql``}
         ORDER BY created_at DESC, comment_id DESC`).map((row) => row.comment_id);
        for (const [name, tuning] of Object.entries(tunings)) {
          const reader = commentsReader(sql, tuning);
          tuningName = name;
          for (const limit of [1, 6, 50]) {
            assertEquals(
              await walkPages(reader, filter, limit),
              expected,
              `${JSON.stringify(filter)}, ${name}, limit ${limit}`,
            );
          }
        }
      }
      assertEquals([...ways["walk only"]], ["window"]);
      assertEquals([...ways["index at once"]].sort(), ["index", "sample", "window"]);
      assertEquals([...ways["windows, slices, index"]].sort(), [
        "index",
        "sample",
        "slice",
        "window",
      ]);
    } finally {
      await sql.end();
    }
  },
);

integrationTest(
  "a common term behind a burst of rows without it is walked to, not taken from the index",
  async () => {
    await using db = await createTestDatabase();
    const base = Date.UTC(2026, 0, 1);
    // 3 000 rows a second apart, a quarter with the term, then 3 000 without it stored by 30
    // statements 200 ms apart (like a bulk load): the newest rows say the term is rare and
    // rows arrive fast, the table says neither.
    await storeComments(db.sql, [
      ...Array.from({ length: 3000 }, (_, i) => ({
        commentId: `old${String(i).padStart(4, "0")}`,
        createdAt: new Date(base + i * 1000),
        text: i % 4 === 0 ? `Der Akku hält nicht ${i}` : `comment ${i}`,
      })),
      ...Array.from({ length: 3000 }, (_, i) => ({
        commentId: `burst${String(i).padStart(4, "0")}`,
        createdAt: new Date(base + 3_600_000 + Math.floor(i / 100) * 200),
        text: `bulk comment ${i}`,
      })),
    ]);
    const sent: string[] = [];
    const sql = postgres(db.url, {
      max: 1,
      onnotice: () => {},
      debug: (_connection, query) => sent.push(query),
    });
    try {
      const reader = commentsReader(sql, {
        ...DEFAULT_SEARCH_TUNING,
        firstWindow: 100,
        // The term is in 1 row of 8: the rest of a 50-row page is about 400 rows away.
        walkRows: 800,
        maxWindow: 2000,
        maxSliceRows: 800,
      });
      const page = await reader.page({ q: "akku", limit: 50 });
      assertEquals(
        page.items.map((item) => item.commentId),
        Array.from({ length: 50 }, (_, i) => `old${String(2996 - 4 * i).padStart(4, "0")}`),
      );
      const ways = sent.filter((query) => query.includes("matches AS MATERIALIZED"));
      assertEquals(ways, [], "no step took matches from the trigram index");
    } finally {
      await sql.end();
    }
  },
);

integrationTest("a search that finds nothing is answered from the trigram index", async () => {
  await using db = await createTestDatabase();
  // Enough rows that the planner weighs a scan against the index as it would on a real table.
  await db.sql`
    INSERT INTO comments (comment_id, text, text_hash, tag, source, created_at, consumer_id)
    SELECT 'g' || g, 'comment number ' || g || ' about the battery and the screen',
           repeat('a', 64), 'NEUTRAL', 'reddit', now() - g * interval '1 second', 'test'
      FROM generate_series(1, 100000) AS g`;
  await db.sql`VACUUM ANALYZE comments`;
  // The api's own statement, captured as postgres.js sends it, then explained.
  const sent: { query: string; parameters: unknown[] }[] = [];
  const sql = postgres(db.url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, query, parameters) => sent.push({ query, parameters }),
  });
  try {
    for (const filter of [{ q: "zzzzqqq" }, { q: "zzzzqqq", source: "reddit" }]) {
      sent.length = 0;
      assertEquals(await search(commentsReader(sql), filter), []);
      const { query, parameters } = sent.at(-1)!;
      const plan =
        (await sql.unsafe(`EXPLAIN ${query}`, parameters as postgres.ParameterOrJSON<never>[]))
          .map((row) => row["QUERY PLAN"]).join("\n");
      ok(plan.includes("comments_text_trgm_idx"), plan);
      ok(!plan.includes("Seq Scan"), plan);
    }
  } finally {
    await sql.end();
  }
});
