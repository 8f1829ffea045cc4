/**
 * Kafka output: processed comments (keyed by commentId) and dead letters of one pipeline pass,
 * in as few produce requests as the broker's size limit allows, acknowledged by every in-sync
 * replica.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Producer } from "kafkajs";
import { partitionCounts, partitionOfKey } from "./partitioner.ts";
import type { DeadLetter, ProcessedComment } from "@sentiment/contracts/messages";

/** A dead letter with the key its original message had. */
export interface DeadLetterMessage {
  letter: DeadLetter;
  key: Uint8Array | null;
}

/**
 * Messages Kafka refused for what they are (too large, invalid record), by index into the
 * arrays given to {@link Publisher.publish}. Everything else was acknowledged.
 */
export interface PublishRefusals {
  processed: { index: number; error: string }[];
  deadLetters: { index: number; error: string }[];
}

/** What the pipeline needs from Kafka's producing side. */
export interface Publisher {
  /**
   * Resolves once every message is acknowledged or refused for itself (a data fault, listed in
   * the answer); throws when Kafka could not be reached or answered otherwise (an outage), in
   * which case the call may be repeated as a whole.
   */
  publish(
    processed: readonly ProcessedComment[],
    deadLetters: readonly DeadLetterMessage[],
  ): Promise<PublishRefusals>;
}

/**
 * kafkajs error types the broker answers for a message itself rather than for the connection or
 * the cluster: sending it again can never succeed, so it is a data fault, not an outage.
 */
const REFUSAL_TYPES: ReadonlySet<string> = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TIMESTAMP",
  "CORRUPT_MESSAGE",
]);

/**
 * The broker's refusal of a message found in a kafkajs error (or its cause chain), e.g.
 * "MESSAGE_TOO_LARGE", or null when the error is about anything else.
 */
export function kafkaRefusalOf(error: unknown): string | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === "string" && REFUSAL_TYPES.has(type)) return type;
    const nested = (current as { errors?: unknown }).errors;
    if (Array.isArray(nested)) {
      for (const inner of nested) {
        const found = kafkaRefusalOf(inner);
        if (found !== null) return found;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return null;
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
 * few hundred messages cost less CPU than one of thousands. (The consumer replaces that
 * grouping, kafkajs_encoder.ts; the cap stays for wherever kafkajs's own runs, e.g. a test
 * that loaded kafkajs first.)
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
  /** Where it came from, to report a refusal: which array and which index. */
  origin: "processed" | "deadLetters";
  index: number;
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

/**
 * kafkajs errors after which an idempotent producer's sequence numbers no longer match the
 * broker's: only a new producer (a new producer id) can send again.
 */
const SEQUENCE_ERRORS: ReadonlySet<string> = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
]);

function hasErrorType(error: unknown, types: ReadonlySet<string>): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === "string" && types.has(type)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The `topic:partition`s a chunk's string-keyed messages went to that the broker's answer does
 * not name. kafkajs 2.2.4 can resolve a send without writing some partitions: when a request
 * fails (its broker died) and the partitions' leadership moves to a broker that already
 * answered for its own, its retry asks only brokers without an answer
 * (src/producer/sendMessages.js), so the moved partitions are never sent, silently. Messages
 * with other keys (a dead letter's original bytes) cannot be placed and are not checked.
 */
export function unwrittenPartitions(
  chunk: readonly { topic: string; key: string | Buffer | null }[],
  answered: readonly { topicName: string; partition: number }[],
  counts: ReadonlyMap<string, number>,
): string[] {
  const written = new Set(answered.map((record) => `${record.topicName}:${record.partition}`));
  const missing = new Set<string>();
  for (const { topic, key } of chunk) {
    const count = counts.get(topic);
    if (typeof key !== "string" || count === undefined) continue;
    const partition = partitionOfKey(key, count);
    if (partition !== undefined && !written.has(`${topic}:${partition}`)) {
      missing.add(`${topic}:${partition}`);
    }
  }
  return [...missing].sort();
}

/** A send that resolved without writing every partition: an outage, sent again. */
export class PartitionsNotWrittenError extends Error {
  constructor(readonly partitions: string[]) {
    super(`the send resolved without writing ${partitions.join(", ")}`);
    this.name = "PartitionsNotWrittenError";
  }
}

/**
 * {@link Publisher} on kafkajs producers made by `createProducer` (idempotent ones).
 *
 * A refused request spoils an idempotent kafkajs producer: kafkajs rolls back the sequence
 * numbers of every partition in the request, also those the broker wrote, so the next request
 * to those partitions is refused as out of order, forever. After a refused request (or an
 * out-of-order answer) the publisher therefore replaces its producer before sending again.
 */
export class KafkaPublisher implements Publisher {
  #producer: Producer;
  #connected = false;

  constructor(
    readonly createProducer: () => Producer,
    readonly topics: { processed: string; deadLetter: string },
    readonly maxRequestBytes = MAX_REQUEST_BYTES,
  ) {
    this.#producer = createProducer();
  }

  async connect(): Promise<void> {
    await this.#producer.connect();
    this.#connected = true;
  }

  async disconnect(): Promise<void> {
    this.#connected = false;
    await this.#producer.disconnect();
  }

  /** A new producer in place of one whose sequence numbers went out of step with the broker. */
  async #renewProducer(): Promise<void> {
    const old = this.#producer;
    this.#producer = this.createProducer();
    old.disconnect().catch(() => {});
    if (this.#connected) await this.#producer.connect();
  }

  async publish(
    processed: readonly ProcessedComment[],
    deadLetters: readonly DeadLetterMessage[],
  ): Promise<PublishRefusals> {
    const out: OutMessage[] = [];
    const { processed: processedTopic, deadLetter: deadLetterTopic } = this.topics;
    processed.forEach((comment, index) => {
      const value = Buffer.from(JSON.stringify(comment));
      out.push({
        topic: processedTopic,
        key: comment.commentId,
        value,
        size: value.length + comment.commentId.length + RECORD_OVERHEAD,
        origin: "processed",
        index,
      });
    });
    deadLetters.forEach(({ letter, key }, index) => {
      const value = Buffer.from(JSON.stringify(letter));
      const keyBytes = key === null ? letter.commentId : Buffer.from(key);
      out.push({
        topic: deadLetterTopic,
        key: keyBytes,
        value,
        headers: { reason: letter.reason },
        size: value.length + Buffer.byteLength(keyBytes ?? "") + RECORD_OVERHEAD,
        origin: "deadLetters",
        index,
      });
    });
    const refusals: PublishRefusals = { processed: [], deadLetters: [] };
    if (out.length === 0) return refusals;
    // kafkajs queues the requests behind one another (idempotent: one in flight).
    const chunks = splitBySize(out, this.maxRequestBytes, MAX_REQUEST_MESSAGES);
    let outOfStep = false;
    const failed = await Promise.all(chunks.map((chunk) =>
      this.#send(chunk).then(
        () => null,
        (error) => {
          if (kafkaRefusalOf(error) === null) {
            outOfStep ||= hasErrorType(error, SEQUENCE_ERRORS);
            throw error;
          }
          return chunk;
        },
      )
    )).catch(async (error) => {
      // An outage for the caller to wait out; a producer out of step would never recover.
      if (outOfStep) await this.#renewProducer();
      throw error;
    });
    if (failed.some((chunk) => chunk !== null)) await this.#renewProducer();
    // A refused request names no message: send its messages one by one to find the refused
    // ones. Those of its other partitions may already be written and are then written twice
    // (processed-comments and dead letters are at least once).
    for (const chunk of failed) {
      if (chunk === null) continue;
      for (const message of chunk) {
        try {
          // One message, one partition: kafkajs's rollback after a refusal is then right.
          await this.#send([message]);
        } catch (error) {
          const refusal = kafkaRefusalOf(error);
          if (refusal === null) {
            if (hasErrorType(error, SEQUENCE_ERRORS)) await this.#renewProducer();
            throw error;
          }
          refusals[message.origin].push({
            index: message.index,
            error: `${refusal}: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      }
    }
    return refusals;
  }

  async #send(chunk: readonly OutMessage[]): Promise<unknown> {
    const byTopic = new Map<
      string,
      { key: string | Buffer | null; value: Buffer; headers?: Record<string, string> }[]
    >();
    for (const { topic, key, value, headers } of chunk) {
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, messages = []);
      messages.push(headers ? { key, value, headers } : { key, value });
    }
    const written = await this.#producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: -1,
    });
    const missing = unwrittenPartitions(chunk, written ?? [], partitionCounts);
    if (missing.length > 0) throw new PartitionsNotWrittenError(missing);
    return written;
  }
}
