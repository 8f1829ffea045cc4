/**
 * In-process LRU cache from text hash to the sentiment answer (tag, score, language, reasons),
 * so a repeated text skips the gRPC call and is stored with the same explanation. The sentiment
 * service is deterministic (same text, same answer), so entries never go stale.
 *
 * @module
 */
import { LRUCache } from "lru-cache";
import type { SentimentAnswer } from "./sentiment_client.ts";

/** An LRU map from text hash to sentiment answer that counts its hits and misses. */
export class TagCache {
  #cache: LRUCache<string, SentimentAnswer>;
  hits = 0;
  misses = 0;

  constructor(readonly maxEntries: number) {
    this.#cache = new LRUCache<string, SentimentAnswer>({ max: maxEntries });
  }

  /** The cached answer, refreshing its recency, or undefined (counted as a miss). */
  get(hash: string): SentimentAnswer | undefined {
    const answer = this.#cache.get(hash);
    if (answer === undefined) this.misses++;
    else this.hits++;
    return answer;
  }

  /** Remembers an answer; answers are shared between items, so they are never mutated. */
  set(hash: string, answer: SentimentAnswer): void {
    this.#cache.set(hash, answer);
  }

  get size(): number {
    return this.#cache.size;
  }
}
