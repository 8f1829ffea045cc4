/**
 * Stage 7, mark: the published ids are marked processed in Redis, and the failed attempts
 * recorded for the settled ones are forgotten, in one round trip. It comes last: an id is
 * marked only once it is stored and published, so a crash before it replays the work.
 *
 * @module
 */
import type { DedupStore } from "../dedup.ts";
import type { InfraGuard } from "../infra_guard.ts";
import type { PassLedger } from "./ledger.ts";
import type { Outgoing } from "./store.ts";

/** What marking needs. */
export interface MarkDeps {
  dedup: DedupStore;
  guard: InfraGuard;
}

/** Marks `published`; forgets the attempts of `stored` and of the dead letters after attempts. */
export async function mark(
  deps: MarkDeps,
  published: readonly Outgoing[],
  stored: readonly Outgoing[],
  pass: PassLedger,
  signal: AbortSignal,
): Promise<void> {
  // Only ids with recorded failures have an attempts key to forget.
  const forget = [
    ...stored.flatMap(({ item }) => item.failures > 0 ? [item.comment.commentId] : []),
    ...pass.deadLetters.flatMap(({ letter }) =>
      letter.attempts > 0 && letter.commentId !== null ? [letter.commentId] : []
    ),
  ];
  if (published.length + forget.length === 0) return;
  const processed = published.map(({ message }) => message.commentId);
  await deps.guard.run("redis", () => deps.dedup.settle(processed, forget), signal);
}
