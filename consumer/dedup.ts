/**
 * Duplicate detection: inside one batch in memory, across batches and instances through Redis
 * keys `processed:{commentId}` with a TTL. Redis is only the fast path: PostgreSQL's unique
 * comment_id decides, so a lost or flushed Redis costs re-work, never a duplicate row.
 *
 * @module
 */
import type { Redis } from "ioredis";

/** Splits items into the first occurrence of each id and the repeats after it. */
export function splitRepeats<T>(
  items: readonly T[],
  idOf: (item: T) => string,
): { first: T[]; repeats: T[] } {
  const seen = new Set<string>();
  const first: T[] = [];
  const repeats: T[] = [];
  for (const item of items) {
    const id = idOf(item);
    if (seen.has(id)) repeats.push(item);
    else {
      seen.add(id);
      first.push(item);
    }
  }
  return { first, repeats };
}

/** Where processed comment ids are remembered. */
export interface DedupStore {
  /** For each id, whether it was marked processed (one round trip for all). */
  seen(ids: readonly string[]): Promise<boolean[]>;
  /** Marks ids processed, with the configured TTL (one round trip for all). */
  mark(ids: readonly string[]): Promise<void>;
}

/** The Redis key of a processed comment id. */
export function processedKey(commentId: string): string {
  return `processed:${commentId}`;
}

/** {@link DedupStore} on Redis: one MGET to check, one pipeline of SET EX to mark. */
export class RedisDedup implements DedupStore {
  constructor(readonly redis: Redis, readonly ttlSeconds: number) {}

  async seen(ids: readonly string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map(processedKey));
    return values.map((value) => value !== null);
  }

  async mark(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.set(processedKey(id), "1", "EX", this.ttlSeconds);
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }
}
