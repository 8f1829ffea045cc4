/**
 * One raw-comments message on its way through the consumer. Its type says how far it got: a
 * message just read ({@link ReceivedItem}) or one whose value is a valid comment
 * ({@link CommentItem}), which it stays through its retries. Inside a pass each stage adds what
 * it learned in a type of its own, so no field is ever "not set yet".
 *
 * @module
 */
import type { RawComment } from "@sentiment/contracts/messages";

/** Where a message came from and its bytes: what the flow tracks and a dead letter keeps. */
export interface Delivery {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as kafkajs gives it (a decimal string). */
  readonly offset: string;
  /** The partition assignment it was read under (see OffsetTracker.epoch). */
  readonly epoch: number;
  /** Replaced by a copy while the item waits for a retry (see `detachBytes`). */
  key: Uint8Array | null;
  value: Uint8Array | null;
}

/** A message as read from Kafka; nothing is known about its value yet. */
export interface ReceivedItem extends Delivery {
  readonly kind: "received";
}

/** A message whose value is a valid, storable comment. */
export interface CommentItem extends Delivery {
  readonly kind: "comment";
  readonly comment: RawComment;
  /** SHA-256 hex of the lowercased, trimmed text. */
  readonly textHash: string;
  /** Failed sentiment attempts so far; stored as retry_count. */
  failures: number;
  /** The last sentiment error, for the dead letter's detail ("" before the first failure). */
  lastError: string;
}

/** A Kafka message being worked on; it lives in exactly one place (queue, pass or retry wait). */
export type WorkItem = ReceivedItem | CommentItem;

/** A fresh item for a message just read from Kafka. */
export function newWorkItem(
  topic: string,
  partition: number,
  epoch: number,
  message: { offset: string; key: Uint8Array | null; value: Uint8Array | null },
): ReceivedItem {
  return {
    kind: "received",
    topic,
    partition,
    offset: message.offset,
    epoch,
    key: message.key,
    value: message.value,
  };
}

/** The item for `received` once its value is known to be `comment`. */
export function commentItem(
  received: ReceivedItem,
  comment: RawComment,
  textHash: string,
): CommentItem {
  return {
    kind: "comment",
    topic: received.topic,
    partition: received.partition,
    offset: received.offset,
    epoch: received.epoch,
    key: received.key,
    value: received.value,
    comment,
    textHash,
    failures: 0,
    lastError: "",
  };
}
