/**
 * localStorage for the comments collection with the last value of each key kept in memory.
 *
 * The localStorage adapter reads the snapshot back twice per write (before merging, and after,
 * to see that its own write is what is stored). From the browser each read is a fresh copy of
 * the whole string, 1.8 MB at 5 000 comments, which is garbage at once and, with the write
 * itself, what made the page collect garbage in the middle of rendering a batch. This storage
 * answers reads of a key from the value last written or read here, and keeps that value
 * current with the `storage` events other tabs' writes fire, which it passes on to the adapter
 * as events of this storage.
 *
 * @module
 */
import type { StorageApi, StorageEventApi } from "@tanstack/db";

/** A storage and the event source that belongs to it. */
export interface CachedStorage {
  storage: StorageApi;
  storageEventApi: StorageEventApi;
}

type Listener = (event: StorageEvent) => void;

/** Wraps `storage` (whose other-tab writes `events` reports) with a cache of read values. */
export function createCachedStorage(storage: StorageApi, events: StorageEventApi): CachedStorage {
  const values = new Map<string, string | null>();
  const cached: StorageApi = {
    getItem(key) {
      if (values.has(key)) return values.get(key)!;
      const value = storage.getItem(key);
      values.set(key, value);
      return value;
    },
    setItem(key, value) {
      // A refused write (quota) leaves the stored value as it was, so the cache is dropped.
      values.delete(key);
      storage.setItem(key, value);
      values.set(key, value);
    },
    removeItem(key) {
      values.delete(key);
      storage.removeItem(key);
      values.set(key, null);
    },
  };
  const forwarded = new Map<Listener, Listener>();
  const storageEventApi: StorageEventApi = {
    addEventListener(type, listener) {
      if (forwarded.has(listener)) return;
      const forward: Listener = (event) => {
        if (event.storageArea !== null && event.storageArea !== storage) return;
        // `key` null means another tab cleared the whole storage.
        if (event.key === null) values.clear();
        else values.set(event.key, event.newValue);
        listener(withArea(event, cached));
      };
      forwarded.set(listener, forward);
      events.addEventListener(type, forward);
    },
    removeEventListener(type, listener) {
      const forward = forwarded.get(listener);
      if (!forward) return;
      forwarded.delete(listener);
      events.removeEventListener(type, forward);
    },
  };
  return { storage: cached, storageEventApi };
}

/** The same event, as if fired by `area` (the adapter ignores events of other storages). */
function withArea(event: StorageEvent, area: StorageApi): StorageEvent {
  return {
    key: event.key,
    oldValue: event.oldValue,
    newValue: event.newValue,
    url: event.url,
    storageArea: area,
  } as unknown as StorageEvent;
}
