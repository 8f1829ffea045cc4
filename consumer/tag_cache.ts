/**
 * In-process LRU cache from text hash to sentiment tag, so a repeated text skips the gRPC call.
 * The sentiment service is deterministic (same text, same tag), so entries never go stale.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import type { Tag } from "@sentiment/proto/messages";

/** An LRU map from text hash to tag that counts its hits and misses. */
export class TagCache {
  #cache: LRUCache<string, Tag>;
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries: number) {
    this.#cache = new LRUCache<string, Tag>({ max: maxEntries });
  }

  /** The cached tag, refreshing its recency, or undefined (counted as a miss). */
  get(hash: string): Tag | undefined {
    const tag = this.#cache.get(hash);
    if (tag === undefined) this.misses++;
    else this.hits++;
    return tag;
  }

  set(hash: string, tag: Tag): void {
    this.#cache.set(hash, tag);
  }

  get size(): number {
    return this.#cache.size;
  }
}
