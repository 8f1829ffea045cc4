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
  type DeadLetter,
  type DeadLetterReason,
  type ProcessedComment,
  type RawComment,
  type rawCommentSchema,
  SCHEMA_VERSION,
} from "@sentiment/proto/messages";
import type { Logger } from "@sentiment/proto/log";
import { type DedupStore, splitRepeats } from "./dedup.ts";
import { deadLetterOf, withoutPayload } from "./dead_letter.ts";
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
  /** Raw values larger than this are dead-lettered unparsed (`message_too_large`). */
  maxMessageBytes?: number;
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

/** Default of {@link PipelineDeps.maxMessageBytes}. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** Default of {@link PipelineDeps.compactIntervalMs}. */
export const COMPACT_INTERVAL_MS = 5_000;

/** Longest original key a dead letter is keyed with; a longer one is replaced by the id. */
const MAX_DEAD_LETTER_KEY_BYTES = 1024;

/** A dead letter of this pass, with the message it is for. */
interface PendingDeadLetter extends DeadLetterMessage {
  item: WorkItem;
}

/**
 * Whether a failed AnalyzeSentimentBatch call means the service cannot answer at all (an
 * outage: wait and call again) rather than that it refused this request.
 */
export function isSentimentOutage(error: unknown): boolean {
  if (!(error instanceof SentimentCallError)) return true;
  return SENTIMENT_OUTAGE_CODES.has(error.code);
}

/**
 * gRPC codes of a whole call that say nothing about the request: CANCELLED, UNKNOWN,
 * DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (overloaded), ABORTED, INTERNAL (includes a malformed
 * answer), UNAVAILABLE.
 */
const SENTIMENT_OUTAGE_CODES: ReadonlySet<number> = new Set([1, 2, 4, 8, 10, 13, 14]);

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
    const deadLetters: PendingDeadLetter[] = [];
    const deadLetter = (
      item: WorkItem,
      reason: DeadLetterReason,
      detail: string,
      attempts: number,
      commentId: string | null,
    ) => {
      deadLetters.push({
        letter: deadLetterOf(item, reason, detail, attempts, deps.consumerId, commentId),
        // The letter's Kafka key is the original one, unless that alone could overflow it.
        key: item.key !== null && item.key.byteLength <= MAX_DEAD_LETTER_KEY_BYTES
          ? item.key
          : null,
        item,
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
    const maxMessageBytes = deps.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    for (const item of items) {
      if (item.comment === null) {
        if (item.value !== null && item.value.byteLength > maxMessageBytes) {
          stats.invalid++;
          deadLetter(
            item,
            "message_too_large",
            `the value is ${item.value.byteLength} bytes, more than MAX_MESSAGE_BYTES ` +
              `(${maxMessageBytes}); not parsed`,
            0,
            null,
          );
          continue;
        }
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
      const outcomes = await this.#analyze(chunk, signal);
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
    // Another copy of an id may have been stored while this one failed: publish that row
    // rather than dead-letter the comment, so one id never ends both stored and dead-lettered.
    const storedMeanwhile = await this.#storedInstead(deadLetters, signal);

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
    /** The message each processed comment came from, for a dead letter if Kafka refuses it. */
    const processedFrom: WorkItem[] = [];
    for (const { row, item } of storedMeanwhile) {
      duplicates++;
      processed.push(processedOf(row));
      processedFrom.push(item);
    }
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
      processedFrom.push(item);
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
      this.#publish(processed, processedFrom, deadLetters, signal),
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

  /**
   * One sentiment call. A call that fails as a whole because the service cannot answer
   * (unreachable, deadline, overloaded: {@link isSentimentOutage}) is an outage: the guard pauses
   * intake and repeats the call with back-off until it answers, and the items spend none of
   * their retries. Any other whole-call failure (our request refused, e.g. INVALID_ARGUMENT)
   * counts as a failed attempt for each item, so it is retried and then dead-lettered.
   */
  #analyze(items: WorkItem[], signal: AbortSignal): Promise<SentimentOutcome[]> {
    const { deps } = this;
    const request = items.map((item) => ({
      commentId: item.comment!.commentId,
      text: item.comment!.text,
      textHash: item.textHash,
    }));
    return deps.guard.run("sentiment", async () => {
      deps.stats.sentimentCalls++;
      deps.stats.sentimentItems += items.length;
      try {
        return await deps.sentiment.analyze(request);
      } catch (error) {
        deps.stats.sentimentCallFailures++;
        if (isSentimentOutage(error)) throw error;
        const code = error instanceof SentimentCallError ? error.code : 2;
        const message = error instanceof Error ? error.message : String(error);
        // Counted as an ordinary (retryable) failure of each item, never as the item's own
        // INVALID_ARGUMENT: the request as a whole was refused, not the comment.
        const retryable = code === INVALID_ARGUMENT ? 2 : code;
        return items.map(() => ({
          ok: false,
          code: retryable,
          message: `call failed: ${message}`,
        }));
      }
    }, signal);
  }

  /**
   * The stored rows of the ids about to be dead-lettered for a sentiment reason, whose letters
   * are then dropped from `deadLetters`: a copy of the same comment (another message with its
   * id) was stored meanwhile, so the comment is not lost and must not be reported lost.
   */
  async #storedInstead(
    deadLetters: PendingDeadLetter[],
    signal: AbortSignal,
  ): Promise<{ row: StoredComment; item: WorkItem }[]> {
    const afterAttempts = (letter: DeadLetter) => letter.attempts > 0 && letter.commentId !== null;
    const ids = deadLetters.flatMap(({ letter }) =>
      afterAttempts(letter) ? [letter.commentId!] : []
    );
    if (ids.length === 0) return [];
    const rows = await this.deps.guard.run("postgresql", () => this.deps.store.find(ids), signal);
    if (rows.length === 0) return [];
    const byId = new Map(rows.map((row) => [row.commentId, row]));
    const instead: { row: StoredComment; item: WorkItem }[] = [];
    const kept = deadLetters.filter(({ letter, item }) => {
      const row = afterAttempts(letter) ? byId.get(letter.commentId!) : undefined;
      if (row === undefined) return true;
      instead.push({ row, item });
      return false;
    });
    deadLetters.splice(0, deadLetters.length, ...kept);
    return instead;
  }

  /**
   * Publishes a pass's output. What Kafka refuses for itself is a data fault, never a reason to
   * stall: a refused processed comment (it is stored) becomes a `publish_refused` dead letter,
   * a refused dead letter is sent again without the original bytes, and one refused even so is
   * logged at error with where its original is. Only an outage makes the guard wait.
   */
  async #publish(
    processed: readonly ProcessedComment[],
    processedFrom: readonly WorkItem[],
    deadLetters: readonly PendingDeadLetter[],
    signal: AbortSignal,
  ): Promise<void> {
    const { deps } = this;
    const refusals = await deps.guard.run(
      "kafka",
      () => deps.publisher.publish(processed, deadLetters),
      signal,
    );
    if (refusals.processed.length + refusals.deadLetters.length === 0) return;
    const second: DeadLetterMessage[] = [];
    for (const { index, error } of refusals.processed) {
      const comment = processed[index];
      const item = processedFrom[index];
      deps.logger.error("Kafka refused a processed comment; it stays stored and is dead-lettered", {
        commentId: comment.commentId,
        seq: comment.seq,
        error,
      });
      const letter = deadLetterOf(
        item,
        "publish_refused",
        `stored as seq ${comment.seq}, but ${error}`,
        item.failures,
        deps.consumerId,
        comment.commentId,
      );
      second.push({ letter: withoutPayload(letter), key: null });
    }
    for (const { index, error } of refusals.deadLetters) {
      const { letter } = deadLetters[index];
      deps.logger.warn("Kafka refused a dead letter; sending it without the original bytes", {
        commentId: letter.commentId,
        reason: letter.reason,
        partition: letter.originalPartition,
        offset: letter.originalOffset,
        error,
      });
      second.push({ letter: withoutPayload(letter), key: null });
    }
    const again = await deps.guard.run("kafka", () => deps.publisher.publish([], second), signal);
    for (const { index, error } of again.deadLetters) {
      const { letter } = second[index];
      deps.stats.unrecorded++;
      deps.logger.error(
        "Kafka refused even a dead letter without payload; the message is only in its topic",
        {
          commentId: letter.commentId,
          reason: letter.reason,
          topic: letter.originalTopic,
          partition: letter.originalPartition,
          offset: letter.originalOffset,
          sha256: letter.originalValueSha256,
          error,
        },
      );
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
