/**
 * The api against the real Kafka and PostgreSQL. The tests play the consumer: they insert rows
 * into a fresh test database and publish the stored comments to a fresh test topic.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  freePort,
  infraConfig,
  integrationTest,
  startService,
  testKafka,
} from "@sentiment/testkit";
import { type CommentsPage, StatisticsSchema } from "@sentiment/contracts/api";
import type { ProcessedComment } from "@sentiment/contracts/messages";
import { publish, startTestApi, storeComments, waitUntilReady } from "./test_support.ts";
import { SseReader } from "./test_fakes.ts";

async function setup(env: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const topics = await createTestTopics(6);
  const producer = testKafka("api-test-producer").producer();
  await producer.connect();
  const settings = {
    databaseUrl: db.url,
    brokers: infraConfig().kafkaBrokers,
    topic: topics.processed,
    port: await freePort(),
  };
  const api = await startTestApi(settings, env);
  return {
    db,
    topics,
    producer,
    api,
    settings,
    /** Stores comments and publishes them, as the consumer would. */
    async pass(count: number): Promise<ProcessedComment[]> {
      const stored = await storeComments(db.sql, Array.from({ length: count }, () => ({})));
      await publish(producer, topics.processed, stored);
      return stored;
    },
    async [Symbol.asyncDispose]() {
      await api.stop();
      await producer.disconnect();
      await db.drop();
    },
  };
}

async function openStream(url: string, lastEventId?: number) {
  const headers: HeadersInit = lastEventId === undefined
    ? {}
    : { "last-event-id": String(lastEventId) };
  const response = await fetch(`${url}/api/stream`, { headers });
  assertEquals(response.status, 200);
  return new SseReader(response.body!);
}

const seqs = (comments: readonly { seq: number }[]) => comments.map((comment) => comment.seq);
const ids = (events: readonly { id: number }[]) => events.map((event) => event.id);

integrationTest("a connected client receives each stored comment once, quickly", async () => {
  await using t = await setup();
  const client = await openStream(t.api.url);
  const latencies: number[] = [];
  const all: number[] = [];
  for (let round = 0; round < 10; round++) {
    const started = performance.now();
    const stored = await t.pass(5);
    const events = await client.next(5);
    latencies.push(performance.now() - started);
    assertEquals(ids(events), seqs(stored));
    assertEquals(events.map((event) => event.data), stored);
    all.push(...ids(events));
  }
  assertEquals(new Set(all).size, 50);
  console.log(
    `    store→publish→SSE latency per round of 5: max ${Math.max(...latencies).toFixed(0)} ms, ` +
      `median ${latencies.sort((a, b) => a - b)[5].toFixed(0)} ms`,
  );
  // Kafka redelivering the same messages changes nothing for the client.
  await client.cancel();
});

integrationTest(
  "reconnecting with Last-Event-ID delivers exactly the 500 missed comments in order, then live",
  async () => {
    await using t = await setup({ API_SSE_BACKFILL_PAGE: "64" });
    const client = await openStream(t.api.url);
    const first = await t.pass(3);
    const seen = await client.next(3);
    assertEquals(ids(seen), seqs(first));
    await client.cancel();

    // 500 comments from five concurrent "consumers", committed and published out of order.
    const missed = (await Promise.all(
      Array.from(
        { length: 5 },
        () => t.db.sql.begin((tx) => storeComments(tx, Array.from({ length: 100 }, () => ({})))),
      ),
    )).flat().sort((a, b) => a.seq - b.seq);
    await publish(t.producer, t.topics.processed, [...missed].reverse());
    await eventually(() => t.api.sequencer.watermark >= missed.at(-1)!.seq || undefined);

    const resumed = await openStream(t.api.url, seen.at(-1)!.id);
    const backfill = await resumed.next(500);
    assertEquals(ids(backfill), seqs(missed));
    assertEquals(backfill.map((event) => event.data.commentId), missed.map((c) => c.commentId));
    const live = await t.pass(4);
    const next = await resumed.next(4);
    assertEquals(ids(next), seqs(live), "then the live ones, with nothing doubled");
    // The query form of the resume position works too.
    const byQuery = await fetch(`${t.api.url}/api/sse/comments?lastEventId=${live[1].seq}`);
    assertEquals(ids(await new SseReader(byQuery.body!).next(2)), seqs(live.slice(2)));
    await resumed.cancel();
  },
);

integrationTest(
  "a resume racing live traffic gets every comment once and in order",
  async () => {
    await using t = await setup({ API_SSE_BACKFILL_PAGE: "17" });
    const history = await t.pass(200);
    const client = await openStream(t.api.url, history[0].seq);
    // Keep storing while the client reads its backfill.
    const live: ProcessedComment[] = [];
    for (let i = 0; i < 10; i++) live.push(...await t.pass(20));
    const events = await client.next(199 + 200);
    assertEquals(ids(events), [...seqs(history.slice(1)), ...seqs(live)]);
    await client.cancel();
  },
);

integrationTest(
  "a seq held by an open transaction is not overtaken; a rolled-back one is skipped",
  async () => {
    await using t = await setup();
    const client = await openStream(t.api.url);
    // Writer A takes its lock and draws a seq, as an INSERT does, but commits last. (A real
    // INSERT would also lock the statistics counters and so block the writers below.)
    let releaseA!: () => void;
    const aMayCommit = new Promise<void>((resolve) => releaseA = resolve);
    let drewA!: (seq: number) => void;
    const aSeq = new Promise<number>((resolve) => drewA = resolve);
    const transactionA = t.db.sql.begin(async (tx) => {
      await tx`LOCK TABLE comments IN ROW EXCLUSIVE MODE`;
      const [{ seq }] = await tx`SELECT nextval(pg_get_serial_sequence('comments', 'seq')) AS seq`;
      drewA(Number(seq));
      await aMayCommit;
      await tx`
        INSERT INTO comments (seq, comment_id, text, text_hash, tag, source, created_at,
                              consumer_id)
        OVERRIDING SYSTEM VALUE
        VALUES (${seq}, ${crypto.randomUUID()}, 'late writer', ${"f".repeat(64)}, 'NEUTRAL',
                'reddit', now(), 'test-consumer')`;
    });
    const a = await aSeq;
    const b = await t.pass(1);
    ok(b[0].seq > a);
    // A rolled-back writer leaves a hole that must be skipped.
    await t.db.sql.begin(async (tx) => {
      await storeComments(tx, [{}]);
      throw new Error("rollback");
    }).catch(() => {});
    const c = await t.pass(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    ok(t.api.sequencer.watermark < a, "nothing passes A's seq while A runs");
    releaseA();
    await transactionA;
    const [stored] = await t.db.sql`SELECT comment_id FROM comments WHERE seq = ${a}`;
    const events = await client.next(3);
    assertEquals(ids(events), [a, b[0].seq, c[0].seq]);
    assertEquals(events[0].data.commentId, stored.comment_id, "read from PostgreSQL");
    await client.cancel();
  },
);

integrationTest(
  "invalid messages on processed-comments are skipped, the stream goes on",
  async () => {
    await using t = await setup();
    const client = await openStream(t.api.url);
    await t.producer.send({
      topic: t.topics.processed,
      messages: [{ value: "not json" }, { value: JSON.stringify({ commentId: "x", seq: 1 }) }],
    });
    const stored = await t.pass(2);
    assertEquals(ids(await client.next(2)), seqs(stored));
    await client.cancel();
  },
);

integrationTest(
  "score, language and reasons reach SSE clients; fields the api does not know are dropped",
  async () => {
    await using t = await setup();
    const client = await openStream(t.api.url);
    // The row commits only once the api has taken the Kafka payload: committed first, a slow send
    // (a new topic's leader not elected yet) let the api read the bare row from PostgreSQL.
    const enriched = await t.db.sql.begin(async (tx) => {
      const [stored] = await storeComments(tx, [{ source: "trustpilot" }]);
      const enriched = {
        ...stored,
        score: 0.5,
        language: "fr",
        reasons: ["super"],
        author: "not part of the contract",
      };
      await t.producer.send({
        topic: t.topics.processed,
        messages: [{ key: stored.commentId, value: JSON.stringify(enriched) }],
      });
      await eventually(() => t.api.sequencer.watermark >= stored.seq || undefined);
      return enriched;
    });
    const [event] = await client.next(1);
    const { author: _author, ...expected } = enriched;
    assertEquals(event.data, expected);
    await client.cancel();
  },
);

integrationTest("two api instances each stream every comment", async () => {
  await using t = await setup();
  const ports = [await freePort(), await freePort()];
  const env = (port: number) => ({
    ...t.topics.env,
    DATABASE_URL: t.db.url,
    API_PORT: String(port),
    LOG_LEVEL: "info",
  });
  await using first = startService("api", env(ports[0]));
  await using second = startService("api", env(ports[1]));
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  await Promise.all(urls.map((url) => waitUntilReady(url)));
  const clients = await Promise.all(urls.map((url) => openStream(url)));
  const stored = await t.pass(60);
  for (const client of clients) {
    assertEquals(ids(await client.next(60)), seqs(stored));
    await client.cancel();
  }
  ok(first.lines.some((line) => line.includes("api listening")));
  ok(second.lines.some((line) => line.includes("api listening")));
});

integrationTest(
  "a client that never reads is closed at its bound; others are unaffected",
  async () => {
    const bufferBytes = 64 * 1024;
    await using t = await setup({ API_SSE_CLIENT_BUFFER_BYTES: String(bufferBytes) });
    // A raw TCP client that sends its request and never reads a byte.
    const stuck = await Deno.connect({ hostname: "127.0.0.1", port: t.settings.port });
    await stuck.write(
      new TextEncoder().encode(
        "GET /api/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n",
      ),
    );
    await eventually(() => t.api.hub.stats().clients === 1 || undefined);
    const reader = await openStream(t.api.url);
    const text = "x".repeat(4_000);
    let total = 0;
    const reading = reader.next(3_000, 120_000);
    while (t.api.hub.stats().closedForOverflow === 0 && total < 3_000) {
      const stored = await storeComments(t.db.sql, Array.from({ length: 100 }, () => ({ text })));
      await publish(t.producer, t.topics.processed, stored);
      total += stored.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await eventually(() => t.api.hub.stats().closedForOverflow === 1 || undefined);
    const peak = t.api.hub.stats().peakQueuedBytes;
    ok(peak <= bufferBytes, `queued ${peak} bytes, bound ${bufferBytes}`);
    ok(peak > bufferBytes - 8_000, `the buffer filled up before closing (${peak} bytes)`);
    console.log(
      `    overflow after ${total} comments of 4 kB; peak queue ${peak} of ${bufferBytes} B`,
    );
    // The remaining client keeps its stream and receives everything in order.
    const more = await storeComments(t.db.sql, Array.from({ length: 3_000 - total }, () => ({})));
    await publish(t.producer, t.topics.processed, more);
    const events = await reading;
    assertEquals(events.length, 3_000);
    assertEquals(events.every((event, i) => i === 0 || event.id > events[i - 1].id), true);
    assertEquals(t.api.hub.stats().clients, 1, "the overflowed client's slot is free");
    // Its socket was reset: reading what the kernel kept ends in a reset (or EOF), not a hang.
    const buffer = new Uint8Array(256 * 1024);
    let ended = "still open after 30 s";
    const giveUp = setTimeout(() => stuck.close(), 30_000);
    try {
      while ((await stuck.read(buffer)) !== null) { /* drain what the kernel kept */ }
      ended = "eof";
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) ended = "reset";
    } finally {
      clearTimeout(giveUp);
    }
    ok(ended === "reset" || ended === "eof", ended);
    try {
      stuck.close();
    } catch { /* closed by the timeout */ }
    await reader.cancel();
  },
);

integrationTest("/api/statistics agrees with direct SQL counts", async () => {
  await using t = await setup();
  await storeComments(t.db.sql, Array.from({ length: 37 }, (_, i) => ({ retryCount: i % 4 })));
  await t.db
    .sql`UPDATE pipeline_counters SET value = value + 7 WHERE name = 'duplicates_discarded'`;
  await t.db.sql`UPDATE pipeline_counters SET value = value + 3 WHERE name = 'dead_lettered'`;
  const old = new Date(Date.now() - 3_600_000);
  await t.db.sql`UPDATE comments SET processed_at = ${old}
                 WHERE seq IN (SELECT seq FROM comments ORDER BY seq LIMIT 5)`;
  const response = await fetch(`${t.api.url}/api/statistics`);
  const stats = StatisticsSchema.parse(await response.json());
  const [direct] = await t.db.sql`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE retry_count > 0)::int AS retried,
           count(*) FILTER (WHERE processed_at > now() - interval '60 seconds')::int AS last_minute
      FROM comments`;
  const byTag = await t.db.sql`SELECT tag, count(*)::int AS n FROM comments GROUP BY tag`;
  const bySource = await t.db.sql`SELECT source, count(*)::int AS n FROM comments GROUP BY source`;
  assertEquals(stats.total, direct.total);
  assertEquals(stats.retried, direct.retried);
  assertEquals(stats.lastMinute, direct.last_minute);
  assertEquals(stats.lastMinute, 32);
  for (const row of byTag) assertEquals(stats.byTag[row.tag as "POSITIVE"], row.n);
  for (const row of bySource) assertEquals(stats.bySource[row.source as "twitter"], row.n);
  assertEquals([stats.duplicatesDiscarded, stats.deadLettered], [7, 3]);
});

integrationTest("/api/comments filters and pages with no repeats or gaps", async () => {
  await using t = await setup();
  const base = Date.UTC(2026, 0, 1);
  // Several comments share a created_at, so the comment_id tie-break matters at page edges.
  await storeComments(
    t.db.sql,
    Array.from({ length: 137 }, (_, i) => ({
      createdAt: new Date(base + Math.floor(i / 3) * 60_000),
      text: i % 5 === 0 ? `Great 100% deal #${i}` : `plain text ${i}`,
    })),
  );
  const walk = async (query: string, limit: number) => {
    const items: ProcessedComment[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `${t.api.url}/api/comments?limit=${limit}${query}${
        cursor ? `&cursor=${cursor}` : ""
      }`;
      const response = await fetch(url);
      assertEquals(response.status, 200, url);
      const page: CommentsPage = await response.json();
      items.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    return items.map((item) => item.commentId);
  };
  const expected = async (where: string, params: unknown[] = []) =>
    (await t.db.sql.unsafe(
      `SELECT comment_id FROM comments WHERE true ${where}
        ORDER BY created_at DESC, comment_id DESC`,
      params as string[],
    )).map((row) => row.comment_id as string);

  assertEquals(await walk("", 10), await expected(""));
  assertEquals(await walk("", 200), await expected(""));
  assertEquals(await walk("&tag=NEGATIVE", 7), await expected("AND tag = 'NEGATIVE'"));
  assertEquals(
    await walk("&source=reddit&tag=POSITIVE", 3),
    await expected("AND source = 'reddit' AND tag = 'POSITIVE'"),
  );
  const from = new Date(base + 10 * 60_000).toISOString();
  const to = new Date(base + 20 * 60_000).toISOString();
  assertEquals(
    await walk(`&from=${from}&to=${to}`, 4),
    await expected("AND created_at >= $1 AND created_at < $2", [from, to]),
  );
  assertEquals(
    await walk(`&q=${encodeURIComponent("100% DEAL")}`, 5),
    await expected("AND text ILIKE '%100\\% deal%'"),
  );
  assertEquals((await walk("&q=nothing-matches", 5)).length, 0);
  const one = (await fetch(`${t.api.url}/api/comments?limit=1`).then((r) => r.json())).items[0];
  const byId = await fetch(`${t.api.url}/api/comments/${one.commentId}`);
  assertEquals(await byId.json(), one);
  const absent = await fetch(`${t.api.url}/api/comments/${crypto.randomUUID()}`);
  assertEquals(absent.status, 404);
  await absent.body?.cancel();
});

integrationTest(
  "/api/comments: any comment id, the language filter, and score/language/reasons in answers",
  async () => {
    await using t = await setup();
    const ids = ["1864123456789012345", "UgzDE2tasfmrYLyNkGt4AaABAg", "ugzde2tasfmrylynkgt4aaabag"];
    await storeComments(t.db.sql, [
      ...ids.map((commentId) => ({ commentId, source: "youtube" })),
      ...Array.from({ length: 9 }, () => ({})),
    ]);
    // What the sentiment service said, as the consumer stores it (NULL = unknown).
    await t.db.sql`UPDATE comments SET language = 'de', score = -0.5, reasons = '{schlecht}'
                    WHERE seq % 3 = 0`;
    await t.db.sql`UPDATE comments SET language = 'und', score = 0 WHERE seq % 3 = 1`;
    const get = async (path: string) => {
      const response = await fetch(`${t.api.url}${path}`);
      assertEquals(response.status, 200, path);
      return await response.json();
    };
    // Platform ids are case-sensitive: two YouTube ids that differ only in case are two comments.
    for (const id of ids) assertEquals((await get(`/api/comments/${id}`)).commentId, id);
    const all: ProcessedComment[] = (await get("/api/comments?limit=200")).items;
    const german: ProcessedComment[] = (await get("/api/comments?language=de&limit=200")).items;
    assertEquals(
      german.map((comment) => comment.seq).sort((a, b) => a - b),
      all.filter((comment) => comment.seq % 3 === 0).map((c) => c.seq).sort((a, b) => a - b),
    );
    ok(german.length > 0);
    for (const comment of german) {
      assertEquals([comment.language, comment.score, comment.reasons], ["de", -0.5, ["schlecht"]]);
    }
    const unknown = all.filter((comment) => comment.seq % 3 === 2);
    ok(unknown.every((comment) => !("language" in comment) && !("score" in comment)));
    assertEquals((await get("/api/comments?language=und")).items.length, 4);
    assertEquals((await get("/api/comments?language=fr")).items, []);
    // Pages over text ids repeat and skip nothing.
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: CommentsPage = await get(
        `/api/comments?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      walked.push(...page.items.map((comment) => comment.commentId));
      cursor = page.nextCursor;
    } while (cursor);
    assertEquals(walked, all.map((comment) => comment.commentId));
    // Catching-up SSE clients read the same columns.
    const resumed = await openStream(t.api.url, 0);
    const events = await resumed.next(all.length);
    const bySeq = new Map(all.map((comment) => [comment.seq, comment]));
    for (const event of events) assertEquals(event.data, bySeq.get(event.id));
    await resumed.cancel();
  },
);
