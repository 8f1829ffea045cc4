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

/** What Redis remembers about a comment id. */
export interface IdState {
  /** Stored and published already (`processed:{id}` exists). */
  processed: boolean;
  /** Failed sentiment attempts recorded so far (`attempts:{id}`), across restarts. */
  failures: number;
}

/** Where processed comment ids (and failed attempts of unfinished ones) are remembered. */
export interface DedupStore {
  /** The state of each id (one round trip for all). */
  lookup(ids: readonly string[]): Promise<IdState[]>;
  /** Adds one failed attempt to each id (one round trip for all). */
  recordFailures(ids: readonly string[]): Promise<void>;
  /**
   * Marks `processed` ids processed (with the configured TTL) and forgets the recorded attempts
   * of `forget` ids, so a dead letter replayed later gets a full set of attempts.
   */
  settle(processed: readonly string[], forget: readonly string[]): Promise<void>;
}

/** The Redis key of a processed comment id. */
export function processedKey(commentId: string): string {
  return `processed:${commentId}`;
}

/** The Redis key counting a comment's failed sentiment attempts. */
export function attemptsKey(commentId: string): string {
  return `attempts:${commentId}`;
}

/**
 * Sets every KEYS[i] to "1" with a TTL of ARGV[1] seconds: one command for a whole pass instead
 * of a SET per id, which costs ioredis a command object (and Redis a parse) per id.
 */
const MARK_PROCESSED = `
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], '1', 'EX', ARGV[1])
end
return #KEYS`;

/** Most keys per script call, so one call never holds Redis for long. */
const MARK_CHUNK = 5_000;

/** An operation that did not answer within its deadline. */
export class RedisTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`Redis ${what} did not answer within ${timeoutMs} ms`);
    this.name = "RedisTimeoutError";
  }
}

/**
 * {@link DedupStore} on Redis: one MGET to look up, pipelines to write. Attempt counters live
 * as long as processed marks, so a comment replayed after a crash (even one that waited 16 s for
 * its retry) continues its retry count instead of starting again at zero.
 *
 * Each operation has one deadline (`timeoutMs`) rather than ioredis's `commandTimeout`, which
 * arms and clears a timer for every command of a pipeline.
 */
export class RedisDedup implements DedupStore {
  constructor(
    readonly redis: Redis,
    readonly ttlSeconds: number,
    readonly timeoutMs = 5_000,
  ) {}

  async lookup(ids: readonly string[]): Promise<IdState[]> {
    if (ids.length === 0) return [];
    const keys: string[] = [];
    for (const id of ids) keys.push(processedKey(id), attemptsKey(id));
    const values = await this.#deadline("MGET", this.redis.mget(keys));
    return ids.map((_, index) => ({
      processed: values[index * 2] !== null,
      failures: Number(values[index * 2 + 1] ?? 0) || 0,
    }));
  }

  async recordFailures(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.incr(attemptsKey(id));
      pipeline.expire(attemptsKey(id), this.ttlSeconds);
    }
    await this.#deadline("pipeline", execOrThrow(pipeline));
  }

  async settle(processed: readonly string[], forget: readonly string[]): Promise<void> {
    if (processed.length + forget.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (let start = 0; start < processed.length; start += MARK_CHUNK) {
      const keys = processed.slice(start, start + MARK_CHUNK).map(processedKey);
      pipeline.eval(MARK_PROCESSED, keys.length, ...keys, this.ttlSeconds);
    }
    const keys = forget.map(attemptsKey);
    for (let start = 0; start < keys.length; start += 1000) {
      pipeline.del(...keys.slice(start, start + 1000));
    }
    await this.#deadline("pipeline", execOrThrow(pipeline));
  }

  #deadline<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeoutError(what, this.timeoutMs)), this.timeoutMs);
    });
    // A late answer after the deadline is dropped; its error too.
    work.catch(() => {});
    return Promise.race([work, expired]).finally(() => clearTimeout(timer));
  }
}

async function execOrThrow(pipeline: ReturnType<Redis["pipeline"]>): Promise<void> {
  const results = await pipeline.exec();
  const failed = results?.find(([error]) => error);
  if (failed) throw failed[0];
}
