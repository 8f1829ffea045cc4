/**
 * Test helpers: comments that satisfy the proto schema, and an in-memory localStorage shared by
 * simulated tabs that deliver `storage` events to each other like browsers do.
 *
 * @module
 */
import type { StorageApi, StorageEventApi } from "@tanstack/db";
import type { ProcessedComment, Source, Tag } from "@sentiment/proto/messages";

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
  storage: StorageApi & { length: number };
  storageEventApi: StorageEventApi;
}

/**
 * A localStorage shared by several simulated tabs. A write in one tab fires a `storage`
 * event in every other tab (not in the writer), as the HTML spec says.
 */
export class SharedFakeStorage {
  readonly data = new Map<string, string>();
  #tabs: { storage: FakeTab["storage"]; listeners: Set<Listener> }[] = [];
  /** When set, setItem throws a QuotaExceededError for values longer than this. */
  quotaChars = Infinity;
  writes = 0;

  tab(): FakeTab {
    const listeners = new Set<Listener>();
    const data = this.data;
    const storage = {
      get length() {
        return data.size;
      },
      getItem: (key: string) => this.data.get(key) ?? null,
      setItem: (key: string, value: string) => {
        if (value.length > this.quotaChars) {
          throw new DOMException("the quota has been exceeded", "QuotaExceededError");
        }
        const oldValue = this.data.get(key) ?? null;
        this.data.set(key, value);
        this.writes++;
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
