/**
 * Test helpers: comments that satisfy the proto schema, and an in-memory localStorage shared by
 * simulated tabs that deliver `storage` events to each other like browsers do.
 *
 * @module
 */
import type { StorageEventApi } from "@tanstack/db";
import type { ProcessedComment, Source, Tag } from "@sentiment/contracts/messages";
import type { KeyedStorage } from "./segmented_storage.ts";
import { DEFAULT_STORAGE_KEY } from "./stored_comment.ts";

/** A valid ProcessedComment with the given seq; fields can be overridden. */
export function fakeComment(
  seq: number,
  overrides: Partial<ProcessedComment> = {},
): ProcessedComment {
  const tags: Tag[] = ["POSITIVE", "NEGATIVE", "NEUTRAL", "UNRELATED"];
  const sources: Source[] = ["twitter", "instagram", "facebook", "tiktok", "youtube", "reddit"];
  const created = new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + seq * 1_000);
  return {
    schemaVersion: 1,
    commentId: uuidFor(seq),
    text: `comment number ${seq}`,
    source: sources[seq % sources.length],
    createdAt: created.toISOString(),
    textHash: "0".repeat(64),
    tag: tags[seq % tags.length],
    processedAt: new Date(created.getTime() + 50).toISOString(),
    consumerId: "consumer-test",
    retryCount: 0,
    seq,
    ...overrides,
  };
}

/** A deterministic UUID (version 4 layout) for a number, so tests can name comments. */
export function uuidFor(n: number): string {
  const hex = n.toString(16).padStart(12, "0");
  return `00000000-0000-4000-8000-${hex}`;
}

type Listener = (event: StorageEvent) => void;

/** One simulated tab's view of a shared localStorage. */
export interface FakeTab {
  storage: KeyedStorage;
  storageEventApi: StorageEventApi;
}

/**
 * A localStorage shared by several simulated tabs. A write in one tab fires a `storage`
 * event in every other tab (not in the writer), as the HTML spec says.
 */
export class SharedFakeStorage {
  readonly data = new Map<string, string>();
  #tabs: { storage: FakeTab["storage"]; listeners: Set<Listener> }[] = [];
  /** When set, setItem throws a QuotaExceededError if all values together would be longer. */
  quotaChars = Infinity;
  /** setItem calls. */
  writes = 0;
  /** setItem calls by key. */
  readonly writesByKey = new Map<string, number>();

  /** Characters stored under every key. */
  get chars(): number {
    let sum = 0;
    for (const value of this.data.values()) sum += value.length;
    return sum;
  }

  tab(): FakeTab {
    const listeners = new Set<Listener>();
    const data = this.data;
    const storage = {
      get length() {
        return data.size;
      },
      key: (index: number) => [...this.data.keys()][index] ?? null,
      getItem: (key: string) => this.data.get(key) ?? null,
      setItem: (key: string, value: string) => {
        const after = this.chars - (this.data.get(key)?.length ?? 0) + value.length;
        if (after > this.quotaChars) {
          throw new DOMException("the quota has been exceeded", "QuotaExceededError");
        }
        const oldValue = this.data.get(key) ?? null;
        this.data.set(key, value);
        this.writes++;
        this.writesByKey.set(key, (this.writesByKey.get(key) ?? 0) + 1);
        this.#notify(storage, key, oldValue, value);
      },
      removeItem: (key: string) => {
        const oldValue = this.data.get(key) ?? null;
        this.data.delete(key);
        this.#notify(storage, key, oldValue, null);
      },
    };
    this.#tabs.push({ storage, listeners });
    return {
      storage,
      storageEventApi: {
        addEventListener: (_type, listener) => void listeners.add(listener),
        removeEventListener: (_type, listener) => void listeners.delete(listener),
      },
    };
  }

  #notify(writer: object, key: string, oldValue: string | null, newValue: string | null) {
    for (const tab of this.#tabs) {
      if (tab.storage === writer) continue;
      const event = {
        key,
        oldValue,
        newValue,
        storageArea: tab.storage,
      } as unknown as StorageEvent;
      for (const listener of tab.listeners) listener(event);
    }
  }
}

/** The rows the stored manifest names under `base`, oldest segment first. */
export function storedRows(
  data: ReadonlyMap<string, string>,
  base = DEFAULT_STORAGE_KEY,
): { commentId: string; seq: number }[] {
  const manifest = data.get(`${base}/manifest`);
  if (manifest === undefined) return [];
  const { segments } = JSON.parse(manifest) as { segments: [number, number, number][] };
  return segments.flatMap(([id]) => JSON.parse(data.get(`${base}/segment/${id}`) ?? "[]"));
}

/** The manifest's writes: one per write of the store, however many segments it touched. */
export function manifestWrites(shared: SharedFakeStorage, base = DEFAULT_STORAGE_KEY): number {
  return shared.writesByKey.get(`${base}/manifest`) ?? 0;
}
