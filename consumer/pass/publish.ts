/**
 * Stage 6, publish: the pass's counters go to PostgreSQL while its processed comments and dead
 * letters go to Kafka in as few produce requests as the publisher can make.
 *
 * What Kafka refuses for itself is a data fault, never a reason to stall: a refused processed
 * comment (it is stored) becomes a `publish_refused` dead letter, a refused dead letter is sent
 * again without the original bytes, and one refused even so is logged at error with where its
 * original is. Only an outage makes the guard wait.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { deadLetterOf, withoutPayload } from "../dead_letter.ts";
import type { InfraGuard } from "../infra_guard.ts";
import type { DeadLetterMessage, Publisher, PublishRefusals } from "../publisher.ts";
import type { Stats } from "../stats.ts";
import type { CommentStore } from "../store.ts";
import type { PassLedger } from "./ledger.ts";
import type { Outgoing } from "./store.ts";

/** What publishing needs. */
export interface PublishDeps {
  consumerId: string;
  store: CommentStore;
  publisher: Publisher;
  guard: InfraGuard;
  stats: Stats;
  logger: Logger;
}

/** Adds the pass's counts and publishes `outgoing` and the pass's dead letters. */
export async function publish(
  deps: PublishDeps,
  outgoing: readonly Outgoing[],
  pass: PassLedger,
  signal: AbortSignal,
): Promise<void> {
  const { stats, guard } = deps;
  stats.duplicates += pass.duplicates;
  stats.deadLettered += pass.deadLetters.length;
  const counters = {
    duplicatesDiscarded: pass.duplicates,
    deadLettered: pass.deadLetters.length,
    retryAttempts: pass.retryAttempts,
  };
  await Promise.all([
    guard.run("postgresql", () => deps.store.addCounters(counters), signal),
    send(deps, outgoing, pass.deadLetters, signal),
  ]);
  stats.published += outgoing.length;
}

async function send(
  deps: PublishDeps,
  outgoing: readonly Outgoing[],
  deadLetters: readonly DeadLetterMessage[],
  signal: AbortSignal,
): Promise<void> {
  const processed = outgoing.map(({ message }) => message);
  const refusals = await deps.guard.run(
    "kafka",
    () => deps.publisher.publish(processed, deadLetters),
    signal,
  );
  if (refusals.processed.length + refusals.deadLetters.length === 0) return;
  const second = secondTry(deps, refusals, outgoing, deadLetters);
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

/** The payload-less dead letters that stand in for what Kafka refused. */
function secondTry(
  deps: PublishDeps,
  refusals: PublishRefusals,
  outgoing: readonly Outgoing[],
  deadLetters: readonly DeadLetterMessage[],
): DeadLetterMessage[] {
  const second: DeadLetterMessage[] = [];
  for (const { index, error } of refusals.processed) {
    const { item, message } = outgoing[index];
    deps.logger.error("Kafka refused a processed comment; it stays stored and is dead-lettered", {
      commentId: message.commentId,
      seq: message.seq,
      error,
    });
    const letter = deadLetterOf(
      item,
      "publish_refused",
      `stored as seq ${message.seq}, but ${error}`,
      item.failures,
      deps.consumerId,
      message.commentId,
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
  return second;
}
