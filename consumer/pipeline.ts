/**
 * One pipeline pass over a batch of work items, every step batched: validate → drop repeats
 * (in the batch, then one Redis MGET) → tag cache → one sentiment call for the misses → one
 * INSERT for all → one produce request (processed comments and dead letters) → one Redis
 * pipeline marking the ids → report which items are finished and which wait for a retry.
 *
 * The order is what makes a crash at any point safe: a comment is marked in Redis only after
 * it is stored and published, and the caller commits its offset only after that, so a replay
 * finds it in PostgreSQL (ON CONFLICT) and publishes it again rather than losing or doubling it.
 *
 * @module
 */
import {
  checkRawComment,
  type DeadLetterReason,
  type ProcessedComment,
  type RawComment,
  type rawCommentSchema,
  SCHEMA_VERSION,
} from "@sentiment/proto/messages";
import type { Logger } from "@sentiment/proto/log";
import { type DedupStore, splitRepeats } from "./dedup.ts";
import { deadLetterOf } from "./dead_letter.ts";
import { fastCheckRawComment } from "./fast_check.ts";
import type { InfraGuard } from "./infra_guard.ts";
import type { DeadLetterMessage, Publisher } from "./publisher.ts";
import { retryDecision } from "./retry_scheduler.ts";
import {
  INVALID_ARGUMENT,
  SentimentCallError,
  type SentimentGateway,
  type SentimentOutcome,
} from "./sentiment_client.ts";
import type { Stats } from "./stats.ts";
import type { CommentStore, NewComment, StoredComment } from "./store.ts";
import type { TagCache } from "./tag_cache.ts";
import { textHash } from "./text_hash.ts";
import type { WorkItem } from "./work_item.ts";

/** Everything a pass talks to; fakes in unit tests, the real clients in the service. */
export interface PipelineDeps {
  consumerId: string;
  schema: ReturnType<typeof rawCommentSchema>;
  /** The text limit `schema` was built with; enables the fast validation path when given. */
  maxTextLength?: number;
  dedup: DedupStore;
  cache: TagCache;
  sentiment: SentimentGateway;
  store: CommentStore;
  publisher: Publisher;
  guard: InfraGuard;
  retryDelaysMs: readonly number[];
  stats: Stats;
  logger: Logger;
  /** Most items per sentiment call. */
  maxSentimentBatch?: number;
  /** Least time between two compactions of the counter deltas started by this consumer. */
  compactIntervalMs?: number;
}

/** Default of {@link PipelineDeps.compactIntervalMs}. */
export const COMPACT_INTERVAL_MS = 5_000;

/** How a pass left its items. */
export interface PassResult {
  /** Work finished: stored and published, dead-lettered, or discarded as a duplicate. */
  finished: WorkItem[];
  /** Waiting for another sentiment attempt after `delayMs`. */
  retry: { item: WorkItem; delayMs: number }[];
}

/** Runs passes; stateless between passes except for the shared cache and counters. */
export class Pipeline {
  #lastCompaction = performance.now();

  constructor(readonly deps: PipelineDeps) {}

  /**
   * Processes `items` (fresh ones and retries alike). Throws AbandonedError when `signal`
   * aborts while a step waits for its infrastructure; the items are then not finished.
   */
  async run(items: readonly WorkItem[], signal: AbortSignal): Promise<PassResult> {
    const { deps } = this;
    const { stats, logger, guard } = deps;
    const finished: WorkItem[] = [];
    const retry: PassResult["retry"] = [];
    const deadLetters: DeadLetterMessage[] = [];
    const deadLetter = (
      item: WorkItem,
      reason: DeadLetterReason,
      detail: string,
      attempts: number,
      commentId: string | null,
    ) => {
      deadLetters.push({
        letter: deadLetterOf(item, reason, detail, attempts, deps.consumerId, commentId),
        key: item.key,
      });
      finished.push(item);
    };

    stats.passes++;
    let clock = performance.now();
    const lap = () => {
      const now = performance.now();
      const elapsed = now - clock;
      clock = now;
      return elapsed;
    };
    // 1. Validate what has not been validated yet (retries already were).
    const valid: WorkItem[] = [];
    for (const item of items) {
      if (item.comment === null) {
        const check = deps.maxTextLength === undefined
          ? checkRawComment(item.value, deps.schema)
          : fastCheckRawComment(item.value, deps.schema, deps.maxTextLength);
        if (!check.ok) {
          stats.invalid++;
          if (logger.debugEnabled) {
            logger.debug("Invalid comment", {
              commentId: check.commentId,
              reason: check.reason,
              partition: item.partition,
              offset: item.offset,
            });
          }
          deadLetter(item, check.reason, check.detail, 0, check.commentId);
          continue;
        }
        const problem = unstorable(check.comment);
        if (problem !== null) {
          stats.invalid++;
          deadLetter(item, "invalid_schema", problem, 0, check.comment.commentId);
          continue;
        }
        if (check.ignoredFields.length > 0) {
          stats.unknownFields++;
          if (logger.debugEnabled) {
            logger.debug("Unknown fields ignored", {
              commentId: check.comment.commentId,
              fields: check.ignoredFields.slice(0, 10),
            });
          }
        }
        item.comment = check.comment;
        item.textHash = textHash(check.comment.text);
      }
      if (logger.debugEnabled) {
        logger.debug(`Processing comment ${item.comment.commentId}`, {
          commentId: item.comment.commentId,
          partition: item.partition,
          offset: item.offset,
          attempt: item.failures + 1,
        });
      }
      valid.push(item);
    }

    stats.validateMs += lap();
    // 2. Duplicates: repeats inside the pass, then ids Redis remembers as processed.
    const { first, repeats } = splitRepeats(valid, (item) => item.comment!.commentId);
    let duplicates = repeats.length;
    for (const item of repeats) this.#discardDuplicate(item, "repeated in batch", finished);
    const known = first.length === 0 ? [] : await guard.run(
      "redis",
      () => deps.dedup.lookup(first.map((item) => item.comment!.commentId)),
      signal,
    );
    const fresh: WorkItem[] = [];
    first.forEach((item, index) => {
      if (known[index].processed) {
        duplicates++;
        this.#discardDuplicate(item, "already processed (redis)", finished);
        return;
      }
      // Failures recorded before a crash (or by another copy of the id) still count.
      if (known[index].failures > item.failures) item.failures = known[index].failures;
      fresh.push(item);
    });

    stats.redisMs += lap();
    // 3. Cache (the whole answer: tag and explanation), then one sentiment call per chunk of
    // misses.
    const misses: WorkItem[] = [];
    for (const item of fresh) {
      const answer = deps.cache.get(item.textHash);
      if (answer === undefined) {
        stats.cacheMisses++;
        misses.push(item);
      } else {
        stats.cacheHits++;
        item.answer = answer;
      }
    }
    let retryAttempts = 0;
    const failed: string[] = [];
    const max = deps.maxSentimentBatch ?? 5000;
    for (let start = 0; start < misses.length; start += max) {
      const chunk = misses.slice(start, start + max);
      const outcomes = await this.#analyze(chunk);
      chunk.forEach((item, index) => {
        const outcome = outcomes[index];
        if (outcome.ok) {
          item.answer = outcome.answer;
          deps.cache.set(item.textHash, outcome.answer);
          return;
        }
        if (outcome.code === INVALID_ARGUMENT) {
          deadLetter(
            item,
            "sentiment_invalid_argument",
            outcome.message,
            item.failures + 1,
            item.comment!.commentId,
          );
          return;
        }
        item.failures++;
        failed.push(item.comment!.commentId);
        item.lastError = `code ${outcome.code}: ${outcome.message}`;
        stats.sentimentItemFailures++;
        const decision = retryDecision(item.failures, deps.retryDelaysMs);
        if (decision.action === "retry") {
          retryAttempts++;
          retry.push({ item, delayMs: decision.delayMs });
        } else {
          deadLetter(
            item,
            "sentiment_retries_exhausted",
            `${decision.attempts} attempts failed; last: ${item.lastError}`,
            decision.attempts,
            item.comment!.commentId,
          );
        }
      });
    }
    stats.retries += retryAttempts;
    if (failed.length > 0) {
      await guard.run("redis", () => deps.dedup.recordFailures(failed), signal);
    }

    stats.sentimentMs += lap();
    // 4. Store every tagged item in one statement.
    const tagged = fresh.filter((item) => item.answer !== null);
    const rows: NewComment[] = tagged.map((item) => ({
      commentId: item.comment!.commentId,
      text: item.comment!.text,
      textHash: item.textHash,
      tag: item.answer!.tag,
      source: item.comment!.source,
      createdAt: item.comment!.createdAt,
      consumerId: deps.consumerId,
      retryCount: item.failures,
      score: item.answer!.score,
      language: item.answer!.language,
      reasons: item.answer!.reasons,
    }));
    const stored = rows.length === 0
      ? []
      : await guard.run("postgresql", () => deps.store.store(rows), signal);
    const byId = new Map<string, StoredComment>();
    for (const row of stored) byId.set(row.commentId, row);
    const processed: ProcessedComment[] = [];
    for (const item of tagged) {
      const row = byId.get(item.comment!.commentId);
      if (!row) {
        // Cannot happen while PostgreSQL keeps its promise; keep the offset unfinished.
        throw new Error(`comment ${item.comment!.commentId} neither inserted nor found`);
      }
      if (row.inserted) {
        stats.processed++;
        if (logger.debugEnabled) {
          logger.debug("Saved to database", {
            commentId: row.commentId,
            seq: row.seq,
            tag: row.tag,
            retryCount: row.retryCount,
          });
        }
      } else {
        stats.alreadyStored++;
        duplicates++;
        if (logger.debugEnabled) {
          logger.debug("Already stored; publishing again", {
            commentId: row.commentId,
            seq: row.seq,
          });
        }
      }
      processed.push(processedOf(row));
      finished.push(item);
    }
    stats.duplicates += duplicates;
    stats.deadLettered += deadLetters.length;

    stats.storeMs += lap();
    // 5. Counters, and the produce request, then mark Redis.
    await Promise.all([
      guard.run("postgresql", () =>
        deps.store.addCounters({
          duplicatesDiscarded: duplicates,
          deadLettered: deadLetters.length,
          retryAttempts,
        }), signal),
      guard.run("kafka", () => deps.publisher.publish(processed, deadLetters), signal),
    ]);
    stats.published += processed.length;
    this.#compactNowAndThen();
    stats.publishMs += lap();
    // Only ids with recorded failures have an attempts key to forget.
    const forget = [
      ...tagged.filter((item) => item.failures > 0).map((item) => item.comment!.commentId),
      ...deadLetters.flatMap(({ letter }) =>
        letter.attempts > 0 && letter.commentId !== null ? [letter.commentId] : []
      ),
    ];
    if (processed.length + forget.length > 0) {
      await guard.run(
        "redis",
        () => deps.dedup.settle(processed.map((comment) => comment.commentId), forget),
        signal,
      );
    }
    stats.redisMs += lap();
    return { finished, retry };
  }

  /**
   * Folds the counter deltas (this and every other writer's) into the totals now and then, in
   * the background: only housekeeping (readers add the pending deltas), so a failure is ignored
   * and the next interval tries again.
   */
  #compactNowAndThen(): void {
    const now = performance.now();
    if (now - this.#lastCompaction < (this.deps.compactIntervalMs ?? COMPACT_INTERVAL_MS)) return;
    this.#lastCompaction = now;
    this.deps.store.compactCounters().catch((error) => {
      this.deps.logger.debug("Counter compaction failed; trying again later", { error });
    });
  }

  /** One sentiment call; a failed call is a failed attempt for each of its items. */
  async #analyze(items: WorkItem[]): Promise<SentimentOutcome[]> {
    const { deps } = this;
    deps.stats.sentimentCalls++;
    deps.stats.sentimentItems += items.length;
    try {
      const outcomes = await deps.sentiment.analyze(items.map((item) => ({
        commentId: item.comment!.commentId,
        text: item.comment!.text,
        textHash: item.textHash,
      })));
      deps.guard.reportUp("sentiment");
      return outcomes;
    } catch (error) {
      deps.stats.sentimentCallFailures++;
      const code = error instanceof SentimentCallError ? error.code : 2;
      const message = error instanceof Error ? error.message : String(error);
      // INVALID_ARGUMENT on the whole call would mean our request is malformed, not the item:
      // count it as an ordinary failed attempt so it is retried and then dead-lettered.
      const retryable = code === INVALID_ARGUMENT ? 2 : code;
      deps.guard.reportDown("sentiment", error);
      return items.map(() => ({ ok: false, code: retryable, message: `call failed: ${message}` }));
    }
  }

  #discardDuplicate(item: WorkItem, why: string, finished: WorkItem[]): void {
    if (this.deps.logger.debugEnabled) {
      this.deps.logger.debug("Duplicate discarded", {
        commentId: item.comment!.commentId,
        why,
        partition: item.partition,
        offset: item.offset,
      });
    }
    finished.push(item);
  }
}

/**
 * Why PostgreSQL would refuse a comment the schema accepts, or null. Such a comment must be
 * dead-lettered up front: a refused INSERT would otherwise be retried forever and stall its
 * partition.
 */
export function unstorable(comment: RawComment): string | null {
  if (comment.text.includes("\u0000")) return "text contains a NUL character (U+0000)";
  if (!comment.text.isWellFormed()) return "text contains an unpaired UTF-16 surrogate";
  // Years 0002-9998 stay in range whatever the offset; only the edges need the UTC year.
  const written = Number(comment.createdAt.slice(0, 4));
  if (written >= 2 && written <= 9998) return null;
  const year = new Date(comment.createdAt).getUTCFullYear();
  if (!(year >= 1 && year <= 9999)) return `createdAt ${comment.createdAt} is out of range`;
  return null;
}

/**
 * The processed-comments message of a stored row: what PostgreSQL holds, with its seq. An
 * unknown (NULL) score, language or reasons is left out, as the contract says.
 */
export function processedOf(row: StoredComment): ProcessedComment {
  const message: ProcessedComment = {
    schemaVersion: SCHEMA_VERSION,
    commentId: row.commentId,
    text: row.text,
    source: row.source,
    createdAt: row.createdAt,
    textHash: row.textHash,
    tag: row.tag,
    processedAt: row.processedAt,
    consumerId: row.consumerId,
    retryCount: row.retryCount,
    seq: row.seq,
  };
  if (row.score !== null) message.score = row.score;
  if (row.language !== null) message.language = row.language;
  if (row.reasons !== null) message.reasons = [...row.reasons];
  return message;
}
