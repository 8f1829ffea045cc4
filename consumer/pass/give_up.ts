/**
 * Stage 4, give up: a comment sentiment will not tag is dead-lettered, unless another message
 * with its id was stored meanwhile (another pass, another instance). That row is published
 * instead, so one id never ends both stored and dead-lettered.
 *
 * @module
 */
import { rowToComment } from "@sentiment/contracts/db/comment_row";
import type { InfraGuard } from "../infra_guard.ts";
import type { CommentStore } from "../store.ts";
import type { PassLedger } from "./ledger.ts";
import type { Outgoing } from "./store.ts";
import type { GivenUp } from "./tag.ts";

/** What giving up needs. */
export interface GiveUpDeps {
  store: CommentStore;
  guard: InfraGuard;
}

/** Dead-letters `givenUp` in `pass`; returns the stored copies to publish instead. */
export async function giveUp(
  deps: GiveUpDeps,
  givenUp: readonly GivenUp[],
  pass: PassLedger,
  signal: AbortSignal,
): Promise<Outgoing[]> {
  if (givenUp.length === 0) return [];
  const ids = givenUp.map(({ item }) => item.comment.commentId);
  const rows = await deps.guard.run("postgresql", () => deps.store.find(ids), signal);
  const byId = new Map(rows.map((row) => [row.comment_id, row]));
  const instead: Outgoing[] = [];
  for (const { item, reason, detail, attempts } of givenUp) {
    const row = byId.get(item.comment.commentId);
    if (row === undefined) {
      pass.deadLetter(item, reason, detail, attempts, item.comment.commentId);
    } else {
      pass.duplicates++;
      pass.finished.push(item);
      instead.push({ item, message: rowToComment(row) });
    }
  }
  return instead;
}
