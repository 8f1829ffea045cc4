/**
 * Stage 2, drop repeats: a comment id seen twice in the pass, or one Redis remembers as
 * processed, is finished as a duplicate. What Redis remembers of earlier failed attempts is
 * taken over, so retry_count stays true across crashes.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { type DedupStore, splitRepeats } from "../dedup.ts";
import type { InfraGuard } from "../infra_guard.ts";
import type { CommentItem } from "../work_item.ts";
import type { PassLedger } from "./ledger.ts";

/** What dropping repeats needs. */
export interface DropRepeatsDeps {
  dedup: DedupStore;
  guard: InfraGuard;
  logger: Logger;
}

/** The comments of `comments` not processed before, in order (one Redis round trip). */
export async function dropRepeats(
  deps: DropRepeatsDeps,
  comments: readonly CommentItem[],
  pass: PassLedger,
  signal: AbortSignal,
): Promise<CommentItem[]> {
  const { first, repeats } = splitRepeats(comments, (item) => item.comment.commentId);
  for (const item of repeats) discard(deps, item, "repeated in batch", pass);
  if (first.length === 0) return [];
  const known = await deps.guard.run(
    "redis",
    () => deps.dedup.lookup(first.map((item) => item.comment.commentId)),
    signal,
  );
  const fresh: CommentItem[] = [];
  first.forEach((item, index) => {
    if (known[index].processed) {
      discard(deps, item, "already processed (redis)", pass);
      return;
    }
    // Failures recorded before a crash (or by another copy of the id) still count.
    if (known[index].failures > item.failures) item.failures = known[index].failures;
    fresh.push(item);
  });
  return fresh;
}

function discard(deps: DropRepeatsDeps, item: CommentItem, why: string, pass: PassLedger): void {
  if (deps.logger.debugEnabled) {
    deps.logger.debug("Duplicate discarded", {
      commentId: item.comment.commentId,
      why,
      partition: item.partition,
      offset: item.offset,
    });
  }
  pass.duplicates++;
  pass.finished.push(item);
}
