import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { CommentStore, createCommentsCollection } from "./comments.ts";
import { fakeComment, manifestWrites, SharedFakeStorage, storedRows } from "./test_fixtures.ts";

async function openStore(shared = new SharedFakeStorage(), limit = 5_000) {
  const collection = createCommentsCollection(shared.tab());
  await collection.preload();
  return { shared, collection, store: new CommentStore(collection, { limit }) };
}

function storedIds(shared: SharedFakeStorage): string[] {
  return storedRows(shared.data).map((row) => row.commentId).sort();
}

Deno.test("valid comments are stored and persisted, keyed by commentId", async () => {
  const { shared, collection, store } = await openStore();
  const result = store.ingest([JSON.stringify(fakeComment(1)), fakeComment(2)]);
  await store.whenPersisted();
  assertEquals(result, { inserted: 2, duplicates: 0, invalid: 0, evicted: 0 });
  assertEquals(collection.size, 2);
  assertEquals(collection.get(fakeComment(1).commentId)?.text, "comment number 1");
  assertEquals(storedIds(shared), [fakeComment(1).commentId, fakeComment(2).commentId]);
});

Deno.test("a stored comment keeps what the page shows, keys and orders by, nothing else", async () => {
  const { shared, store } = await openStore();
  const plain = fakeComment(3, { text: "kept as sent" });
  const scored = fakeComment(4, { score: -0.75, language: "de", reasons: ["schlecht", "nie"] });
  // A field a newer writer adds is ignored by this reader, not a reason to refuse the comment.
  store.ingest([plain, { ...scored, sarcasm: 0.9 }]);
  await store.whenPersisted();
  const items = storedRows(shared.data).sort((a, b) => a.seq - b.seq);
  const shown = (c: ReturnType<typeof fakeComment>) => ({
    commentId: c.commentId,
    seq: c.seq,
    createdAt: c.createdAt,
    tag: c.tag,
    source: c.source,
    text: c.text,
  });
  assertEquals(items, [
    shown(plain),
    { ...shown(scored), score: -0.75, language: "de", reasons: ["schlecht", "nie"] },
  ]);
});

Deno.test("any source name and any id of the open contract is stored as sent", async () => {
  const { collection, store } = await openStore();
  const result = store.ingest([
    fakeComment(1, { source: "trustpilot", commentId: "yt:UgzDE2tasfmrYLyNkGt4AaABAg" }),
    fakeComment(2, { commentId: "1864123456789012345" }),
  ]);
  assertEquals(result.inserted, 2);
  assertEquals(collection.get("yt:UgzDE2tasfmrYLyNkGt4AaABAg")?.source, "trustpilot");
  assertEquals(collection.has("1864123456789012345"), true);
});

Deno.test("clear() removes every comment, pending ones too, and writes the empty snapshot", async () => {
  const { shared, collection, store } = await openStore();
  store.ingest([fakeComment(1), fakeComment(2)]);
  await store.whenPersisted();
  // One batch still waiting for its write when the reset comes.
  store.ingest([fakeComment(3)]);
  assertEquals(store.clear(), 3);
  assertEquals(collection.size, 0);
  assertEquals(store.maxSeq(), 0);
  await store.whenPersisted();
  assertEquals(storedIds(shared), []);
  assertEquals(store.clear(), 0);
  // It goes on storing.
  store.ingest([fakeComment(7)]);
  await store.whenPersisted();
  assertEquals(storedIds(shared), [fakeComment(7).commentId]);
});

Deno.test("invalid events are counted with a reason and never inserted", async () => {
  const { collection, store } = await openStore();
  const result = store.ingest([
    "{not json",
    JSON.stringify({ ...fakeComment(1), tag: "ANGRY" }),
    JSON.stringify({ ...fakeComment(2), source: "" }),
    { ...fakeComment(3), seq: 0 },
    null,
    fakeComment(4),
  ]);
  assertEquals(result.invalid, 5);
  assertEquals(result.inserted, 1);
  ok(result.lastInvalidReason?.includes("value"), String(result.lastInvalidReason));
  assertEquals([...collection.keys()], [fakeComment(4).commentId]);
});

Deno.test("a repeated commentId is dropped, within a batch and across batches", async () => {
  const { collection, store } = await openStore();
  const first = store.ingest([fakeComment(1), fakeComment(1), fakeComment(2)]);
  assertEquals([first.inserted, first.duplicates], [2, 1]);
  // The api delivers at least once: a replay after reconnecting repeats comments.
  const replay = store.ingest([
    fakeComment(2),
    fakeComment(1, { text: "changed" }),
    fakeComment(3),
  ]);
  assertEquals([replay.inserted, replay.duplicates], [1, 2]);
  assertEquals(collection.size, 3);
  assertEquals(collection.get(fakeComment(1).commentId)?.text, "comment number 1");
});

Deno.test("the collection keeps only the most recent comments by seq, evicting the oldest", async () => {
  const { shared, collection, store } = await openStore(undefined, 5);
  store.ingest([3, 1, 4, 2].map((seq) => fakeComment(seq)));
  const result = store.ingest([9, 7, 8].map((seq) => fakeComment(seq)));
  assertEquals(result.inserted, 3);
  assertEquals(result.evicted, 2);
  const seqs = () => [...collection.values()].map((c) => c.seq).sort((a, b) => a - b);
  assertEquals(seqs(), [3, 4, 7, 8, 9]);
  // A late comment older than everything kept is not stored at all.
  const late = store.ingest([fakeComment(2)]);
  assertEquals([late.inserted, late.evicted], [0, 1]);
  assertEquals(seqs(), [3, 4, 7, 8, 9]);
  await store.whenPersisted();
  assertEquals(storedIds(shared).length, 5);
  assertEquals(store.maxSeq(), 9);
});

Deno.test("a batch larger than the bound keeps its newest comments", async () => {
  const { collection, store } = await openStore(undefined, 3);
  store.ingest([fakeComment(1)]);
  store.ingest([10, 11, 12, 13].map((seq) => fakeComment(seq)));
  assertEquals([...collection.values()].map((c) => c.seq).sort((a, b) => a - b), [11, 12, 13]);
});

Deno.test("batches are visible at once and written to storage together", async () => {
  const { shared, collection, store } = await openStore(undefined, 10);
  store.ingest(Array.from({ length: 10 }, (_, i) => fakeComment(i + 1)));
  await store.whenPersisted();
  const before = shared.writes;
  const manifestsBefore = manifestWrites(shared);
  store.ingest(Array.from({ length: 5 }, (_, i) => fakeComment(i + 100)));
  store.ingest([fakeComment(200), fakeComment(201)]);
  // Applied (and evicted) before anything is written.
  assertEquals(collection.size, 10);
  ok(collection.has(fakeComment(201).commentId));
  assertEquals(shared.writes, before);
  await store.whenPersisted();
  assertEquals(manifestWrites(shared) - manifestsBefore, 1);
  assertEquals(storedIds(shared).length, 10);
});

Deno.test("persisted comments are restored by a new page load", async () => {
  const { shared, store } = await openStore();
  store.ingest([fakeComment(1), fakeComment(2)]);
  await store.whenPersisted();
  const reloaded = createCommentsCollection(shared.tab());
  await reloaded.preload();
  assertEquals(reloaded.size, 2);
  assertEquals(new CommentStore(reloaded).maxSeq(), 2);
});

Deno.test("another tab sees inserts and evictions through storage events", async () => {
  const { shared, store } = await openStore(undefined, 3);
  const other = createCommentsCollection(shared.tab());
  await other.preload();
  store.ingest([fakeComment(1), fakeComment(2)]);
  await store.whenPersisted();
  assertEquals(other.size, 2);
  store.ingest([fakeComment(3), fakeComment(4)]);
  await store.whenPersisted();
  assertEquals([...other.values()].map((c) => c.seq).sort(), [2, 3, 4]);
});

Deno.test("when the browser's storage is full the bound shrinks instead of losing new data", async () => {
  const shared = new SharedFakeStorage();
  const quota: number[] = [];
  const collection = createCommentsCollection({ ...shared.tab(), segmentCapacity: 50 });
  await collection.preload();
  const store = new CommentStore(collection, {
    limit: 1_000,
    onQuota: (limit) => quota.push(limit),
  });
  store.ingest(Array.from({ length: 200 }, (_, i) => fakeComment(i + 1)));
  await store.whenPersisted();
  // Room for what is stored and a little more, not for another copy of the newest segment.
  shared.quotaChars = shared.chars + 100;
  const result = store.ingest([fakeComment(500), fakeComment(501)]);
  assertEquals(result.inserted, 2);
  await store.whenPersisted();
  ok(quota.length > 0 && store.limit < 200, `quota ${quota}, limit ${store.limit}`);
  assertEquals(quota.at(-1), store.limit);
  assertEquals(collection.size, store.limit);
  ok(collection.has(fakeComment(501).commentId));
  ok(!collection.has(fakeComment(1).commentId));
  // What is stored is what is shown, and a reload reads exactly that.
  assertEquals(storedIds(shared), [...collection.keys()].sort());
  const reloaded = createCommentsCollection(shared.tab());
  await reloaded.preload();
  assertEquals([...reloaded.keys()].sort(), storedIds(shared));
});

Deno.test("the bound must be a positive integer", () => {
  const collection = createCommentsCollection(new SharedFakeStorage().tab());
  for (const limit of [0, -1, 1.5]) {
    throws(() => new CommentStore(collection, { limit }), RangeError);
  }
});

Deno.test("a quiet stream is written after the delay; a busy one once enough rows wait", async () => {
  const shared = new SharedFakeStorage();
  const collection = createCommentsCollection(shared.tab());
  await collection.preload();
  const store = new CommentStore(collection, { persistDelayMs: 300, persistAfterRows: 10 });
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  store.ingest([fakeComment(1), fakeComment(2)]);
  store.ingest([fakeComment(3)]);
  const writes = () => manifestWrites(shared);
  await settle(50);
  assertEquals(writes(), 0);
  await settle(400);
  assertEquals(writes(), 1);
  assertEquals(storedIds(shared).length, 3);
  // Ten new comments in two batches: written at once, not 300 ms later.
  store.ingest(Array.from({ length: 6 }, (_, i) => fakeComment(10 + i)));
  await settle(50);
  assertEquals(writes(), 1);
  store.ingest(Array.from({ length: 4 }, (_, i) => fakeComment(20 + i)));
  await settle(50);
  assertEquals(writes(), 2);
  assertEquals(storedIds(shared).length, 13);
  // Nothing is left scheduled.
  await settle(400);
  assertEquals(writes(), 2);
});
