import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { CommentStore, createCommentsCollection } from "./comments.ts";
import {
  countBy,
  feedCountQuery,
  feedQuery,
  MINUTE_MS,
  perMinuteByTag,
  summaryQuery,
  totalCount,
} from "./queries.ts";
import { fakeComment, SharedFakeStorage } from "./test_fixtures.ts";

async function setup(limit = 5_000) {
  const collection = createCommentsCollection(new SharedFakeStorage().tab());
  await collection.preload();
  return { collection, store: new CommentStore(collection, { limit }) };
}

type Live<T extends object> = { preload(): Promise<void>; toArray: T[] };
async function rows<T extends object>(query: Live<T>): Promise<T[]> {
  await query.preload();
  return query.toArray;
}

const byKey = (counts: Map<string, number>) => Object.fromEntries(counts);

Deno.test("tag and source counts follow inserts and evictions", async () => {
  const { collection, store } = await setup(4);
  const summary = summaryQuery(collection);
  await rows(summary);
  store.ingest([
    fakeComment(1, { tag: "POSITIVE", source: "reddit" }),
    fakeComment(2, { tag: "POSITIVE", source: "reddit" }),
    fakeComment(3, { tag: "NEGATIVE", source: "tiktok" }),
    fakeComment(4, { tag: "NEUTRAL", source: "reddit" }),
  ]);
  assertEquals(byKey(countBy(summary.toArray, "tag")), { POSITIVE: 2, NEGATIVE: 1, NEUTRAL: 1 });
  assertEquals(byKey(countBy(summary.toArray, "source")), { reddit: 3, tiktok: 1 });
  // Two new comments push out seq 1 and 2 (both POSITIVE, reddit).
  store.ingest([
    fakeComment(5, { tag: "UNRELATED", source: "youtube" }),
    fakeComment(6, { tag: "NEGATIVE", source: "youtube" }),
  ]);
  assertEquals(byKey(countBy(summary.toArray, "tag")), { NEGATIVE: 2, NEUTRAL: 1, UNRELATED: 1 });
  assertEquals(byKey(countBy(summary.toArray, "source")), { reddit: 1, tiktok: 1, youtube: 2 });
});

Deno.test("the total counts the stored comments; the store knows the newest seq", async () => {
  const { collection, store } = await setup();
  const summary = summaryQuery(collection);
  await rows(summary);
  store.ingest([fakeComment(7), fakeComment(3), fakeComment(7)]);
  assertEquals(totalCount(summary.toArray), 2);
  assertEquals(store.maxSeq(), 7);
});

Deno.test("per-minute buckets group by the minute of createdAt, whatever its offset", async () => {
  const { collection, store } = await setup();
  const summary = summaryQuery(collection);
  await rows(summary);
  store.ingest([
    fakeComment(1, { createdAt: "2025-01-01T12:00:05Z", tag: "POSITIVE", source: "reddit" }),
    fakeComment(2, { createdAt: "2025-01-01T12:00:59.999Z", tag: "POSITIVE", source: "tiktok" }),
    // 13:00:30+01:00 is 12:00:30Z: same minute.
    fakeComment(3, { createdAt: "2025-01-01T13:00:30+01:00", tag: "NEGATIVE" }),
    fakeComment(4, { createdAt: "2025-01-01T12:01:00Z", tag: "POSITIVE" }),
  ]);
  const minute = Date.parse("2025-01-01T12:00:00Z") / MINUTE_MS;
  const got = perMinuteByTag(summary.toArray)
    .sort((a, b) => a.minute - b.minute || a.tag.localeCompare(b.tag));
  assertEquals(got, [
    { minute, tag: "NEGATIVE", count: 1 },
    { minute, tag: "POSITIVE", count: 2 },
    { minute: minute + 1, tag: "POSITIVE", count: 1 },
  ]);
});

Deno.test("the feed is newest first and narrowed by tag, source and text search", async () => {
  const { collection, store } = await setup();
  store.ingest([
    fakeComment(1, { tag: "POSITIVE", source: "reddit", text: "Love this 50% discount" }),
    fakeComment(2, { tag: "NEGATIVE", source: "reddit", text: "hate the queue" }),
    fakeComment(3, { tag: "POSITIVE", source: "tiktok", text: "LOVE it" }),
    fakeComment(4, { tag: "POSITIVE", source: "reddit", text: "a_b plain" }),
  ]);
  const seqs = async (filter: Parameters<typeof feedQuery>[1]) =>
    (await rows(feedQuery(collection, filter))).map((c) => c.seq);
  assertEquals(await seqs({}), [4, 3, 2, 1]);
  assertEquals(await seqs({ tag: "POSITIVE" }), [4, 3, 1]);
  assertEquals(await seqs({ tag: "POSITIVE", source: "reddit" }), [4, 1]);
  assertEquals(await seqs({ search: "love" }), [3, 1]);
  assertEquals(await seqs({ search: "  LOVE ", source: "tiktok" }), [3]);
  // Wildcard characters are searched for literally.
  assertEquals(await seqs({ search: "50%" }), [1]);
  assertEquals(await seqs({ search: "a_b" }), [4]);
  assertEquals(await seqs({ search: "ab" }), []);
  const matching = async (filter: Parameters<typeof feedQuery>[1]) =>
    (await rows(feedCountQuery(collection, filter)))[0]?.count ?? 0;
  assertEquals(await matching({ tag: "POSITIVE" }), 3);
  assertEquals(await matching({ search: "  LOVE ", source: "tiktok" }), 1);
  assertEquals(await matching({ search: "ab" }), 0);
});

Deno.test("a feed window holds its slice, newest first, and moves", async () => {
  const { collection, store } = await setup();
  store.ingest(Array.from({ length: 10 }, (_, i) => fakeComment(i + 1)));
  const feed = feedQuery(collection, {}, { offset: 0, limit: 3 });
  assertEquals((await rows(feed)).map((c) => c.seq), [10, 9, 8]);
  await feed.utils.setWindow({ offset: 4, limit: 3 });
  assertEquals(feed.toArray.map((c) => c.seq), [6, 5, 4]);
  store.ingest([fakeComment(11), fakeComment(12)]);
  assertEquals(feed.toArray.map((c) => c.seq), [8, 7, 6]);
});

Deno.test("a live feed query updates as comments arrive", async () => {
  const { collection, store } = await setup();
  const feed = feedQuery(collection, { tag: "NEGATIVE" });
  await rows(feed);
  const seen: number[][] = [];
  const subscription = feed.subscribeChanges(() => seen.push(feed.toArray.map((c) => c.seq)), {
    includeInitialState: true,
  });
  store.ingest([fakeComment(1, { tag: "NEGATIVE" }), fakeComment(2, { tag: "POSITIVE" })]);
  store.ingest([fakeComment(3, { tag: "NEGATIVE" })]);
  subscription.unsubscribe();
  assertEquals(seen.at(-1), [3, 1]);
});

Deno.test("languages are counted and filtered; any source name survives the bucket key", async () => {
  const { collection, store } = await setup();
  const summary = summaryQuery(collection);
  await rows(summary);
  store.ingest([
    fakeComment(1, { language: "de", source: "trust|pilot" }),
    fakeComment(2, { language: "de", source: "reddit" }),
    fakeComment(3, { language: "fr", source: "trust|pilot" }),
    fakeComment(4, { source: "reddit" }),
  ]);
  assertEquals(byKey(countBy(summary.toArray, "language")), { de: 2, fr: 1, "": 1 });
  assertEquals(byKey(countBy(summary.toArray, "source")), { "trust|pilot": 2, reddit: 2 });
  const seqs = async (filter: Parameters<typeof feedQuery>[1]) =>
    (await rows(feedQuery(collection, filter))).map((c) => c.seq);
  assertEquals(await seqs({ language: "de" }), [2, 1]);
  assertEquals(await seqs({ language: "de", source: "trust|pilot" }), [1]);
  assertEquals(await seqs({ language: "und" }), []);
});
