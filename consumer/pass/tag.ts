/**
 * Stage 3, tag: each comment gets its sentiment answer (tag and explanation) from the cache or
 * from one sentiment call per chunk of misses. A comment whose attempt failed waits for a retry
 * (recorded in Redis first) or, out of retries or refused outright, is given up on.
 *
 * @module
 */
import type { DeadLetterReason } from "@sentiment/contracts/messages";
import type { DedupStore } from "../dedup.ts";
import type { InfraGuard } from "../infra_guard.ts";
import { retryDecision } from "../retry_scheduler.ts";
import {
  INVALID_ARGUMENT,
  type SentimentAnswer,
  SentimentCallError,
  type SentimentGateway,
  type SentimentOutcome,
} from "../sentiment_client.ts";
import type { Stats } from "../stats.ts";
import type { TagCache } from "../tag_cache.ts";
import type { CommentItem } from "../work_item.ts";
import type { PassLedger } from "./ledger.ts";

/** What tagging needs. */
export interface TagDeps {
  cache: TagCache;
  sentiment: SentimentGateway;
  dedup: DedupStore;
  guard: InfraGuard;
  retryDelaysMs: readonly number[];
  stats: Stats;
  /** Most items per sentiment call. */
  maxSentimentBatch?: number;
}

/** Default of {@link TagDeps.maxSentimentBatch}. */
const MAX_SENTIMENT_BATCH = 5000;

/** A comment with its answer. */
export interface Tagged {
  item: CommentItem;
  answer: SentimentAnswer;
}

/** A comment sentiment will not tag: to be dead-lettered unless a copy was stored meanwhile. */
export interface GivenUp {
  item: CommentItem;
  reason: DeadLetterReason;
  detail: string;
  attempts: number;
}

/** The answered comments in the order given, and the ones given up on. */
export async function tag(
  deps: TagDeps,
  comments: readonly CommentItem[],
  pass: PassLedger,
  signal: AbortSignal,
): Promise<{ tagged: Tagged[]; givenUp: GivenUp[] }> {
  const { stats } = deps;
  const answers = comments.map((item) => deps.cache.get(item.textHash));
  const misses: number[] = [];
  answers.forEach((answer, index) => {
    if (answer === undefined) misses.push(index);
  });
  stats.cacheMisses += misses.length;
  stats.cacheHits += comments.length - misses.length;
  const givenUp: GivenUp[] = [];
  const failed: string[] = [];
  const max = deps.maxSentimentBatch ?? MAX_SENTIMENT_BATCH;
  for (let start = 0; start < misses.length; start += max) {
    const chunk = misses.slice(start, start + max).map((index) => comments[index]);
    const outcomes = await analyze(deps, chunk, signal);
    chunk.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) {
        answers[misses[start + index]] = outcome.answer;
        deps.cache.set(item.textHash, outcome.answer);
      } else if (outcome.code === INVALID_ARGUMENT) {
        const attempts = item.failures + 1;
        givenUp.push({
          item,
          reason: "sentiment_invalid_argument",
          detail: outcome.message,
          attempts,
        });
      } else {
        failed.push(item.comment.commentId);
        const lost = failedAttempt(deps, item, outcome, pass);
        if (lost !== null) givenUp.push(lost);
      }
    });
  }
  stats.retries += pass.retryAttempts;
  if (failed.length > 0) {
    await deps.guard.run("redis", () => deps.dedup.recordFailures(failed), signal);
  }
  const tagged: Tagged[] = [];
  answers.forEach((answer, index) => {
    if (answer !== undefined) tagged.push({ item: comments[index], answer });
  });
  return { tagged, givenUp };
}

/** Counts a failed attempt of `item`; schedules its retry, or returns it given up on. */
function failedAttempt(
  deps: TagDeps,
  item: CommentItem,
  outcome: { code: number; message: string },
  pass: PassLedger,
): GivenUp | null {
  item.failures++;
  item.lastError = `code ${outcome.code}: ${outcome.message}`;
  deps.stats.sentimentItemFailures++;
  const decision = retryDecision(item.failures, deps.retryDelaysMs);
  if (decision.action === "retry") {
    pass.retryAttempts++;
    pass.retry.push({ item, delayMs: decision.delayMs });
    return null;
  }
  return {
    item,
    reason: "sentiment_retries_exhausted",
    detail: `${decision.attempts} attempts failed; last: ${item.lastError}`,
    attempts: decision.attempts,
  };
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

/**
 * One sentiment call. A call that fails as a whole because the service cannot answer
 * (unreachable, deadline, overloaded: {@link isSentimentOutage}) is an outage: the guard pauses
 * intake and repeats the call with back-off until it answers, and the items spend none of
 * their retries. Any other whole-call failure (our request refused, e.g. INVALID_ARGUMENT)
 * counts as a failed attempt for each item, so it is retried and then dead-lettered.
 */
function analyze(
  deps: TagDeps,
  items: readonly CommentItem[],
  signal: AbortSignal,
): Promise<SentimentOutcome[]> {
  const request = items.map((item) => ({
    commentId: item.comment.commentId,
    text: item.comment.text,
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
