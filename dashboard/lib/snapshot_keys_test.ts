import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type KeyedStorage, prepareSnapshot } from "./snapshot_keys.ts";
import {
  CommentStore,
  createCommentsCollection,
  DEFAULT_STORAGE_KEY,
  READABLE_EARLIER_KEYS,
  STORAGE_KEY_PREFIX,
} from "./comments.ts";
import { fakeComment, SharedFakeStorage } from "./test_fixtures.ts";

class MapStorage implements KeyedStorage {
  constructor(readonly data = new Map<string, string>()) {}
  get length() {
    return this.data.size;
  }
  key(index: number) {
    return [...this.data.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

const KEYS = {
  current: DEFAULT_STORAGE_KEY,
  prefix: STORAGE_KEY_PREFIX,
  readable: READABLE_EARLIER_KEYS,
};

Deno.test("a snapshot of the previous shape is moved to the current key and read as it is", async () => {
  // What the previous version of the dashboard stored, written by its own collection.
  const shared = new SharedFakeStorage();
  const [previousKey] = READABLE_EARLIER_KEYS;
  const before = createCommentsCollection({ ...shared.tab(), storageKey: previousKey });
  await before.preload();
  const writer = new CommentStore(before);
  writer.ingest([fakeComment(1), fakeComment(2)]);
  await writer.whenPersisted();
  const storage = new MapStorage(shared.data);
  storage.setItem(`${STORAGE_KEY_PREFIX}v1`, "x".repeat(100));
  storage.setItem("sentiment-dashboard/statistics/v1", "{}");

  const report = prepareSnapshot(storage, KEYS);
  assertEquals(report, {
    movedFrom: previousKey,
    removed: [`${STORAGE_KEY_PREFIX}v1`],
    unreadable: false,
  });
  assertEquals([...shared.data.keys()].sort(), [
    DEFAULT_STORAGE_KEY,
    "sentiment-dashboard/statistics/v1",
  ]);
  const after = createCommentsCollection(shared.tab());
  await after.preload();
  assertEquals([...after.values()].map((c) => c.seq).sort(), [1, 2]);
  assertEquals(after.get(fakeComment(1).commentId)?.text, "comment number 1");
});

Deno.test("a current snapshot wins over an earlier one; unreadable ones are removed", () => {
  const storage = new MapStorage();
  storage.setItem(DEFAULT_STORAGE_KEY, "{}");
  storage.setItem(READABLE_EARLIER_KEYS[0], '{"s:x":{"versionKey":"a","data":{}}}');
  assertEquals(prepareSnapshot(storage, KEYS), {
    removed: [READABLE_EARLIER_KEYS[0]],
    unreadable: false,
  });
  assertEquals(storage.getItem(DEFAULT_STORAGE_KEY), "{}");

  const broken = new MapStorage();
  broken.setItem(READABLE_EARLIER_KEYS[0], "[1,2]");
  broken.setItem(DEFAULT_STORAGE_KEY, "{truncated");
  assertEquals(prepareSnapshot(broken, KEYS), {
    removed: [READABLE_EARLIER_KEYS[0]],
    unreadable: true,
  });
  assertEquals(broken.length, 0);
});

Deno.test("storage that throws on every call is reported, not thrown", () => {
  const refusing: KeyedStorage = {
    length: 1,
    key: () => DEFAULT_STORAGE_KEY,
    getItem: () => {
      throw new DOMException("denied", "SecurityError");
    },
    setItem: () => {},
    removeItem: () => {},
  };
  assertEquals(prepareSnapshot(refusing, KEYS), { removed: [], unreadable: false });
});
