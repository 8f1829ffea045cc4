/**
 * One raw-comments message on its way through the consumer, with what the pipeline learned
 * about it so far.
 *
 * @module
 */
import type { RawComment } from "@sentiment/proto/messages";
import type { SentimentAnswer } from "./sentiment_client.ts";

/** A Kafka message being worked on; it lives in exactly one place (queue, pass or retry wait). */
export interface WorkItem {
  topic: string;
  partition: number;
  /** Kafka offset as kafkajs gives it (a decimal string). */
  offset: string;
  /** The partition assignment it was read under (see OffsetTracker.epoch). */
  epoch: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** Set once the value passed validation. */
  comment: RawComment | null;
  /** SHA-256 hex of the lowercased, trimmed text; set with `comment`. */
  textHash: string;
  /** Failed sentiment attempts so far; stored as retry_count. */
  failures: number;
  /** The last sentiment error, for the dead letter's detail. */
  lastError: string;
  /** Set when sentiment (or the cache) answered: the tag and its explanation. */
  answer: SentimentAnswer | null;
}

/** A fresh item for a message just read from Kafka. */
export function newWorkItem(
  topic: string,
  partition: number,
  epoch: number,
  message: { offset: string; key: Uint8Array | null; value: Uint8Array | null },
): WorkItem {
  return {
    topic,
    partition,
    offset: message.offset,
    epoch,
    key: message.key,
    value: message.value,
    comment: null,
    textHash: "",
    failures: 0,
    lastError: "",
    answer: null,
  };
}
