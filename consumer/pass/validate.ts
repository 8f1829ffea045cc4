/**
 * Stage 1, validate: a raw value becomes a comment, or a dead letter saying what is wrong with
 * it. Items already validated (retries) pass through as they are.
 *
 * @module
 */
import {
  checkRawComment,
  type RawComment,
  type rawCommentSchema,
} from "@sentiment/contracts/messages";
import type { Logger } from "@sentiment/kit/log";
import { fastCheckRawComment } from "../fast_check.ts";
import type { Stats } from "../stats.ts";
import { textHash } from "../text_hash.ts";
import { type CommentItem, commentItem, type ReceivedItem, type WorkItem } from "../work_item.ts";
import type { PassLedger } from "./ledger.ts";

/** What validation needs. */
export interface ValidateDeps {
  schema: ReturnType<typeof rawCommentSchema>;
  /** The text limit `schema` was built with; enables the fast validation path when given. */
  maxTextLength?: number;
  /** Raw values larger than this are dead-lettered unparsed (`message_too_large`). */
  maxMessageBytes?: number;
  stats: Stats;
  logger: Logger;
}

/** Default of {@link ValidateDeps.maxMessageBytes}. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** The comments among `items`, in order; the invalid ones are dead-lettered in `pass`. */
export function validate(
  deps: ValidateDeps,
  items: readonly WorkItem[],
  pass: PassLedger,
): CommentItem[] {
  const comments: CommentItem[] = [];
  for (const item of items) {
    const valid = item.kind === "comment" ? item : checked(deps, item, pass);
    if (valid === null) continue;
    if (deps.logger.debugEnabled) {
      deps.logger.debug(`Processing comment ${valid.comment.commentId}`, {
        commentId: valid.comment.commentId,
        partition: valid.partition,
        offset: valid.offset,
        attempt: valid.failures + 1,
      });
    }
    comments.push(valid);
  }
  return comments;
}

/** The comment `item` holds, or null when it was dead-lettered instead. */
function checked(deps: ValidateDeps, item: ReceivedItem, pass: PassLedger): CommentItem | null {
  const { stats, logger } = deps;
  const maxMessageBytes = deps.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  if (item.value !== null && item.value.byteLength > maxMessageBytes) {
    stats.invalid++;
    pass.deadLetter(
      item,
      "message_too_large",
      `the value is ${item.value.byteLength} bytes, more than MAX_MESSAGE_BYTES ` +
        `(${maxMessageBytes}); not parsed`,
      0,
      null,
    );
    return null;
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
    pass.deadLetter(item, check.reason, check.detail, 0, check.commentId);
    return null;
  }
  const problem = unstorable(check.comment);
  if (problem !== null) {
    stats.invalid++;
    pass.deadLetter(item, "invalid_schema", problem, 0, check.comment.commentId);
    return null;
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
  return commentItem(item, check.comment, textHash(check.comment.text));
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
