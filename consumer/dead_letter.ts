/**
 * Builds the dead-letter record of a message the consumer gives up on: why, how many sentiment
 * attempts were made, and the original key and value byte for byte, so it can be inspected and
 * replayed.
 *
 * @module
 */
import { type DeadLetter, type DeadLetterReason, SCHEMA_VERSION } from "@sentiment/proto/messages";
import { encodeBase64 } from "./base64.ts";
import type { WorkItem } from "./work_item.ts";

/** The dead letter for `item`; `attempts` is 0 for invalid input. */
export function deadLetterOf(
  item: WorkItem,
  reason: DeadLetterReason,
  detail: string,
  attempts: number,
  consumerId: string,
  commentId: string | null,
  failedAt: Date = new Date(),
): DeadLetter {
  return {
    schemaVersion: SCHEMA_VERSION,
    reason,
    detail,
    attempts,
    commentId,
    originalTopic: item.topic,
    originalPartition: item.partition,
    originalOffset: item.offset,
    originalValueBase64: encodeBase64(item.value ?? new Uint8Array()),
    originalKeyBase64: item.key === null ? null : encodeBase64(item.key),
    failedAt: failedAt.toISOString(),
    consumerId,
  };
}
