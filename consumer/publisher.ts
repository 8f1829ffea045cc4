/**
 * Kafka output: processed comments (keyed by commentId) and dead letters of one pipeline pass,
 * in as few produce requests as the broker's size limit allows, acknowledged by every in-sync
 * replica.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Producer } from "kafkajs";
import type { DeadLetter, ProcessedComment } from "@sentiment/proto/messages";

/** A dead letter with the key its original message had. */
export interface DeadLetterMessage {
  letter: DeadLetter;
  key: Uint8Array | null;
}

/** What the pipeline needs from Kafka's producing side. */
export interface Publisher {
  /** Resolves once every message is acknowledged; throws when any was not. */
  publish(
    processed: readonly ProcessedComment[],
    deadLetters: readonly DeadLetterMessage[],
  ): Promise<void>;
}

/**
 * Most bytes (keys and values) per produce request. Kafka refuses a request whose record batch
 * exceeds the broker's message.max.bytes (1 MiB by default), and a refused batch would be
 * retried forever, so a pass's output is split below that.
 */
export const MAX_REQUEST_BYTES = 768 * 1024;

/**
 * Most messages per produce request. kafkajs groups a request's messages by partition with an
 * array copy per message (quadratic in the messages per partition), so several requests of a
 * few hundred messages cost less CPU than one of thousands.
 */
export const MAX_REQUEST_MESSAGES = 600;

/** Per-record overhead assumed when sizing requests (headers, lengths, timestamps). */
const RECORD_OVERHEAD = 64;

interface OutMessage {
  topic: string;
  key: string | Buffer | null;
  /** Encoded once here: kafkajs takes the bytes as they are, and their length sizes requests. */
  value: Buffer;
  headers?: Record<string, string>;
  size: number;
}

/**
 * Splits messages into requests of at most `maxBytes` and `maxCount` messages (a single larger
 * message goes alone).
 */
export function splitBySize<T extends { size: number }>(
  items: readonly T[],
  maxBytes: number,
  maxCount = Infinity,
): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (chunk.length > 0 && (bytes + item.size > maxBytes || chunk.length >= maxCount)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += item.size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** {@link Publisher} on a kafkajs producer (create it with `idempotent: true`). */
export class KafkaPublisher implements Publisher {
  constructor(
    readonly producer: Producer,
    readonly topics: { processed: string; deadLetter: string },
    readonly maxRequestBytes = MAX_REQUEST_BYTES,
  ) {}

  async publish(
    processed: readonly ProcessedComment[],
    deadLetters: readonly DeadLetterMessage[],
  ): Promise<void> {
    const out: OutMessage[] = [];
    const { processed: processedTopic, deadLetter: deadLetterTopic } = this.topics;
    for (const comment of processed) {
      const value = Buffer.from(JSON.stringify(comment));
      out.push({
        topic: processedTopic,
        key: comment.commentId,
        value,
        size: value.length + comment.commentId.length + RECORD_OVERHEAD,
      });
    }
    for (const { letter, key } of deadLetters) {
      const value = Buffer.from(JSON.stringify(letter));
      const keyBytes = key === null ? letter.commentId : Buffer.from(key);
      out.push({
        topic: deadLetterTopic,
        key: keyBytes,
        value,
        headers: { reason: letter.reason },
        size: value.length + Buffer.byteLength(keyBytes ?? "") + RECORD_OVERHEAD,
      });
    }
    if (out.length === 0) return;
    // kafkajs queues the requests behind one another (idempotent: one in flight).
    await Promise.all(
      splitBySize(out, this.maxRequestBytes, MAX_REQUEST_MESSAGES).map((chunk) => {
        const byTopic = new Map<
          string,
          { key: string | Buffer | null; value: Buffer; headers?: Record<string, string> }[]
        >();
        for (const { topic, key, value, headers } of chunk) {
          let messages = byTopic.get(topic);
          if (!messages) byTopic.set(topic, messages = []);
          messages.push(headers ? { key, value, headers } : { key, value });
        }
        return this.producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          acks: -1,
        });
      }),
    );
  }
}
