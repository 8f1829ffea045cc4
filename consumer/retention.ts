/**
 * Retention of the `comments` table: rows stored more than `COMMENTS_RETENTION_DAYS` ago are
 * deleted by the consumer (the service that owns the writes), by itself, every
 * `RETENTION_INTERVAL_SECONDS`, so an operator has nothing to schedule.
 *
 * Age is counted from `processed_at` (when the row was stored), not `created_at`: a comment
 * replayed from a platform's history with an old createdAt is kept, and guarded against being
 * stored twice, for the whole retention period like any other (see the consumer README,
 * "Exactly-once window").
 *
 * A pass deletes in chunks of `RETENTION_BATCH_SIZE` rows, each chunk its own short
 * transaction, oldest first along `comments_processed_idx`, and rests as long as a chunk took
 * before the next one: row locks are held by one chunk at a time, inserts (new rows, other
 * ids) never wait for it, and a first pass over months of rows takes at most half of one
 * connection. Several consumer instances share the work without doubling it: a chunk runs only
 * under a transaction-level advisory lock, and an instance that finds it taken ends its pass.
 *
 * Statistics are not touched: the counters of /api/statistics are kept by the insert trigger
 * (migrations 2–3) and stay all-time totals; deleting a row changes no counter.
 *
 * @module
 */
import type postgres from "postgres";
import type { Logger } from "@sentiment/kit/log";

/** Names this project's retention lock (the migration lock is 74_210_531, compaction …532). */
export const RETENTION_LOCK_ID = 74_210_533;

/** The retention settings (consumer config). */
export interface RetentionSettings {
  /** Rows stored longer ago than this are deleted; 0 keeps every row forever. */
  retentionDays: number;
  /** Time between the start of two passes. */
  intervalMs: number;
  /** Rows deleted per chunk (one transaction). */
  batchSize: number;
}

/** What one pass did. */
export interface RetentionPassResult {
  deleted: number;
  chunks: number;
  /** The longest chunk, the longest any row lock of the pass was held. */
  longestChunkMs: number;
  /** False when another instance held the retention lock, so this one left the work to it. */
  ran: boolean;
}

export interface RetentionPassOptions {
  /** Rows with processed_at before this instant are deleted. */
  cutoff: Date;
  batchSize: number;
  /** Rest between chunks; by default as long as the chunk took. */
  restMs?: (chunkMs: number) => number;
  /** Stops the pass between chunks. */
  signal?: AbortSignal;
}

/** Deletes every row stored before `cutoff`, chunk by chunk. */
export async function retentionPass(
  sql: postgres.Sql,
  { cutoff, batchSize, restMs = (chunkMs) => chunkMs, signal }: RetentionPassOptions,
): Promise<RetentionPassResult> {
  const result: RetentionPassResult = { deleted: 0, chunks: 0, longestChunkMs: 0, ran: true };
  // Keyset on processed_at: each chunk starts where the last ended, past the index entries of
  // rows already deleted (vacuum has not removed them yet).
  let from = "-infinity";
  while (!signal?.aborted) {
    const started = performance.now();
    const chunk = await sql.begin(async (tx) => {
      const [{ locked }] = await tx<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_ID}) AS locked`;
      if (!locked) return null;
      const [row] = await tx<{ deleted: number; last: string | null }[]>`
        WITH gone AS (
          DELETE FROM comments WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM comments
             WHERE processed_at >= ${from}::text::timestamptz AND processed_at < ${cutoff}
             ORDER BY processed_at
             LIMIT ${batchSize}))
          RETURNING processed_at
        )
        SELECT count(*)::int AS deleted, max(processed_at)::text AS last FROM gone`;
      return row;
    });
    const chunkMs = performance.now() - started;
    if (chunk === null) {
      result.ran = result.chunks > 0;
      break;
    }
    result.chunks++;
    result.deleted += chunk.deleted;
    result.longestChunkMs = Math.max(result.longestChunkMs, chunkMs);
    if (chunk.deleted < batchSize || chunk.last === null) break;
    from = chunk.last;
    const rest = restMs(chunkMs);
    if (rest > 0) await abortableDelay(rest, signal);
  }
  return result;
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** A running retention loop. */
export interface RetentionLoop {
  /** Ends the loop; waits for the chunk in progress. */
  stop(): Promise<void>;
}

/**
 * Runs a pass now and then every `intervalMs` (nothing when retentionDays is 0). A pass that
 * fails (PostgreSQL away) is logged and tried again at the next interval: retention can wait.
 */
export function startRetention(
  sql: postgres.Sql,
  settings: RetentionSettings,
  logger: Logger,
  now: () => number = Date.now,
): RetentionLoop {
  if (settings.retentionDays === 0) return { stop: () => Promise.resolve() };
  const abort = new AbortController();
  const loop = (async () => {
    while (!abort.signal.aborted) {
      const cutoff = new Date(now() - settings.retentionDays * 86_400_000);
      try {
        const result = await retentionPass(sql, {
          cutoff,
          batchSize: settings.batchSize,
          signal: abort.signal,
        });
        if (result.deleted > 0) {
          logger.info("Retention pass", {
            ...result,
            longestChunkMs: Math.round(result.longestChunkMs),
            cutoff: cutoff.toISOString(),
          });
        }
      } catch (error) {
        logger.warn("Retention pass failed; trying again at the next interval", { error });
      }
      await abortableDelay(settings.intervalMs, abort.signal);
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
