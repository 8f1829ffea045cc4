import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createCollection, localStorageCollectionOptions } from "@tanstack/db";
import { removeOtherShapes } from "./snapshot_keys.ts";
import {
  CommentStore,
  createCommentsCollection,
  DEFAULT_STORAGE_KEY,
  READABLE_EARLIER_KEYS,
  STORAGE_KEY_PREFIX,
  type StoredComment,
} from "./comments.ts";
import { fakeComment, SharedFakeStorage, storedRows } from "./test_fixtures.ts";

const KEYS = {
  current: DEFAULT_STORAGE_KEY,
  prefix: STORAGE_KEY_PREFIX,
  readable: READABLE_EARLIER_KEYS,
};

/** What an earlier version stored under `key`: TanStack DB's single-key localStorage layout. */
async function storeSingleKey(shared: SharedFakeStorage, key: string, seqs: number[]) {
  const tab = shared.tab();
  const earlier = createCollection(localStorageCollectionOptions({
    storageKey: key,
    storage: tab.storage,
    storageEventApi: tab.storageEventApi,
    getKey: (comment: StoredComment) => comment.commentId,
  }));
  await earlier.preload();
  const rows = seqs.map((seq) => {
    const { commentId, createdAt, tag, source, text } = fakeComment(seq);
    return { commentId, seq, createdAt, tag, source, text };
  });
  await earlier.insert(rows).isPersisted.promise;
}

Deno.test("keys of other shapes are removed; this shape's and readable earlier ones stay", () => {
  const shared = new SharedFakeStorage();
  const storage = shared.tab().storage;
  for (
    const key of [
      `${STORAGE_KEY_PREFIX}v1`,
      `${DEFAULT_STORAGE_KEY}/manifest`,
      `${DEFAULT_STORAGE_KEY}/segment/3`,
      `${DEFAULT_STORAGE_KEY}.other`,
      ...READABLE_EARLIER_KEYS,
      "sentiment-dashboard/statistics/v1",
    ]
  ) storage.setItem(key, "{}");
  assertEquals(removeOtherShapes(storage, KEYS).sort(), [
    `${STORAGE_KEY_PREFIX}v1`,
    `${DEFAULT_STORAGE_KEY}.other`,
  ]);
  assertEquals(storage.length, 5);
});

for (const earlierKey of READABLE_EARLIER_KEYS) {
  Deno.test(`the single-key snapshot in "${earlierKey}" is moved into segments`, async () => {
    const shared = new SharedFakeStorage();
    await storeSingleKey(shared, earlierKey, [1, 2, 3]);
    const collection = createCommentsCollection(shared.tab());
    await collection.preload();
    assertEquals([...collection.values()].map((c) => c.seq).sort(), [1, 2, 3]);
    assertEquals(collection.utils.loadReport()?.migratedFrom, earlierKey);
    assertEquals(storedRows(shared.data).map((row) => row.seq).sort(), [1, 2, 3]);
    assertEquals(shared.data.has(earlierKey), false);
    // And it goes on from there.
    const store = new CommentStore(collection);
    store.ingest([fakeComment(4)]);
    await store.whenPersisted();
    assertEquals(storedRows(shared.data).map((row) => row.seq).sort(), [1, 2, 3, 4]);
  });
}

Deno.test("storage that throws on every call is reported, not thrown", () => {
  const refusing = {
    length: 1,
    key: () => `${STORAGE_KEY_PREFIX}v1`,
    getItem: () => null,
    setItem: () => {},
    removeItem: () => {
      throw new DOMException("denied", "SecurityError");
    },
  };
  assertEquals(removeOtherShapes(refusing, KEYS), []);
});
