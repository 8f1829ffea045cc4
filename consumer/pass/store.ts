/**
 * Stage 5, store: every tagged comment in one INSERT. PostgreSQL's unique comment_id decides
 * "stored once": a comment already there (a replay Redis did not catch) comes back as it was
 * stored and is published again as such.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { rowToComment } from "@sentiment/contracts/db/comment_row";
import type { ProcessedComment } from "@sentiment/contracts/messages";
import type { InfraGuard } from "../infra_guard.ts";
import type { Stats } from "../stats.ts";
import type { CommentStore, NewComment, StoredComment } from "../store.ts";
import type { CommentItem } from "../work_item.ts";
import type { PassLedger } from "./ledger.ts";
import type { Tagged } from "./tag.ts";

/** What storing needs. */
export interface StoreDeps {
  consumerId: string;
  store: CommentStore;
  guard: InfraGuard;
  stats: Stats;
  logger: Logger;
}

/** A processed comment to publish, with the message it came from. */
export interface Outgoing {
  item: CommentItem;
  message: ProcessedComment;
}

/** Stores `tagged`, finishing each in `pass`; returns their messages in the same order. */
export async function store(
  deps: StoreDeps,
  tagged: readonly Tagged[],
  pass: PassLedger,
  signal: AbortSignal,
): Promise<Outgoing[]> {
  if (tagged.length === 0) return [];
  const rows = tagged.map(({ item, answer }): NewComment => ({
    comment_id: item.comment.commentId,
    text: item.comment.text,
    text_hash: item.textHash,
    tag: answer.tag,
    source: item.comment.source,
    created_at: item.comment.createdAt,
    consumer_id: deps.consumerId,
    retry_count: item.failures,
    score: answer.score,
    language: answer.language,
    reasons: answer.reasons,
  }));
  const stored = await deps.guard.run("postgresql", () => deps.store.store(rows), signal);
  const byId = new Map<string, StoredComment>();
  for (const row of stored) byId.set(row.comment_id, row);
  return tagged.map(({ item }) => {
    const row = byId.get(item.comment.commentId);
    if (row === undefined) {
      // Cannot happen while PostgreSQL keeps its promise; keep the offset unfinished.
      throw new Error(`comment ${item.comment.commentId} neither inserted nor found`);
    }
    count(deps, row, pass);
    pass.finished.push(item);
    return { item, message: rowToComment(row) };
  });
}

function count(deps: StoreDeps, row: StoredComment, pass: PassLedger): void {
  const { stats, logger } = deps;
  if (row.inserted) {
    stats.processed++;
    if (logger.debugEnabled) {
      logger.debug("Saved to database", {
        commentId: row.comment_id,
        seq: row.seq,
        tag: row.tag,
        retryCount: row.retry_count,
      });
    }
  } else {
    stats.alreadyStored++;
    pass.duplicates++;
    if (logger.debugEnabled) {
      logger.debug("Already stored; publishing again", { commentId: row.comment_id, seq: row.seq });
    }
  }
}
