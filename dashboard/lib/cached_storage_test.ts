import { deepStrictEqual as assertEquals, ok, strictEqual, throws } from "node:assert/strict";
import { createCachedStorage } from "./cached_storage.ts";
import { SharedFakeStorage } from "./test_fixtures.ts";

function counted(shared: SharedFakeStorage) {
  const tab = shared.tab();
  let reads = 0;
  const storage = {
    ...tab.storage,
    getItem: (key: string) => {
      reads++;
      return tab.storage.getItem(key);
    },
    setItem: tab.storage.setItem,
    removeItem: tab.storage.removeItem,
  };
  return { tab, storage, reads: () => reads };
}

Deno.test("reads after a write or a read are answered from memory", () => {
  const shared = new SharedFakeStorage();
  const { tab, storage, reads } = counted(shared);
  const cached = createCachedStorage(storage, tab.storageEventApi).storage;
  strictEqual(cached.getItem("k"), null);
  strictEqual(cached.getItem("k"), null);
  strictEqual(reads(), 1);
  cached.setItem("k", "v1");
  strictEqual(cached.getItem("k"), "v1");
  strictEqual(shared.data.get("k"), "v1");
  cached.removeItem("k");
  strictEqual(cached.getItem("k"), null);
  ok(!shared.data.has("k"));
  strictEqual(reads(), 1);
});

Deno.test("another tab's write updates the cache and reaches listeners as this storage's", () => {
  const shared = new SharedFakeStorage();
  const here = shared.tab();
  const other = shared.tab();
  const { storage, storageEventApi } = createCachedStorage(here.storage, here.storageEventApi);
  storage.setItem("k", "mine");
  const seen: { key: string | null; newValue: string | null; area: unknown }[] = [];
  const listener = (event: StorageEvent) =>
    seen.push({ key: event.key, newValue: event.newValue, area: event.storageArea });
  storageEventApi.addEventListener("storage", listener);
  other.storage.setItem("k", "theirs");
  strictEqual(storage.getItem("k"), "theirs");
  assertEquals(seen, [{ key: "k", newValue: "theirs", area: storage }]);
  storageEventApi.removeEventListener("storage", listener);
  other.storage.setItem("k", "again");
  strictEqual(seen.length, 1);
  // Unsubscribed, the cache no longer hears of writes: it is one storage per collection.
  strictEqual(storage.getItem("k"), "theirs");
});

Deno.test("events of another storage area are ignored; a cleared storage clears the cache", () => {
  const shared = new SharedFakeStorage();
  const here = shared.tab();
  const listeners: ((event: StorageEvent) => void)[] = [];
  const { storage, storageEventApi } = createCachedStorage(here.storage, {
    addEventListener: (_type, listener) => void listeners.push(listener),
    removeEventListener: () => {},
  });
  let calls = 0;
  storageEventApi.addEventListener("storage", () => calls++);
  storage.setItem("k", "v");
  const fire = (event: object) => listeners[0](event as StorageEvent);
  fire({ key: "k", newValue: "session", storageArea: {} });
  strictEqual(storage.getItem("k"), "v");
  strictEqual(calls, 0);
  shared.data.set("k", "fresh");
  fire({ key: null, newValue: null, storageArea: here.storage });
  strictEqual(storage.getItem("k"), "fresh");
  strictEqual(calls, 1);
});

Deno.test("a refused write leaves what is stored readable", () => {
  const shared = new SharedFakeStorage();
  const tab = shared.tab();
  const { storage } = createCachedStorage(tab.storage, tab.storageEventApi);
  storage.setItem("k", "small");
  shared.quotaChars = 5;
  throws(() => storage.setItem("k", "far too long"), { name: "QuotaExceededError" });
  strictEqual(storage.getItem("k"), "small");
});
