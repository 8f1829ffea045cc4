/**
 * Kafka output: processed comments (keyed by commentId) and dead letters, all of one pipeline
 * pass in a single produce request, acknowledged by every in-sync replica.
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

/** {@link Publisher} on a kafkajs producer (create it with `idempotent: true`). */
export class KafkaPublisher implements Publisher {
  constructor(
    readonly producer: Producer,
    readonly topics: { processed: string; deadLetter: string },
  ) {}

  async publish(
    processed: readonly ProcessedComment[],
    deadLetters: readonly DeadLetterMessage[],
  ): Promise<void> {
    const topicMessages = [];
    if (processed.length > 0) {
      topicMessages.push({
        topic: this.topics.processed,
        messages: processed.map((comment) => ({
          key: comment.commentId,
          value: JSON.stringify(comment),
        })),
      });
    }
    if (deadLetters.length > 0) {
      topicMessages.push({
        topic: this.topics.deadLetter,
        messages: deadLetters.map(({ letter, key }) => ({
          key: key === null ? letter.commentId : Buffer.from(key),
          value: JSON.stringify(letter),
          headers: { reason: letter.reason },
        })),
      });
    }
    if (topicMessages.length === 0) return;
    await this.producer.sendBatch({ topicMessages, acks: -1 });
  }
}
