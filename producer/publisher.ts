/**
 * Sends comments to Kafka: an idempotent kafkajs producer, acknowledged by all in-sync replicas,
 * with comments queued while a request is in flight and sent together in the next one.
 *
 * Nothing generated is dropped while the broker is away: a request that fails for any reason
 * but the messages themselves goes back to the front of the queue and is sent again with capped
 * back-off, for as long as it takes (the caller bounds memory by waiting on {@link
 * Publisher.flush} once `pending` is high). Only a message the broker refuses for itself (too
 * large, invalid) is given up, with {@link MessageRefusedError}, and only {@link Publisher.close}
 * gives up on what is still queued, handing it back.
 *
 * @module
 */
import { Kafka, type LogEntry, logLevel, type Producer } from "kafkajs";
import type { RawComment } from "@sentiment/contracts/messages";
import type { Logger } from "@sentiment/kit/log";
import {
  PartitionsNotWrittenError,
  recordingPartitioner,
  unansweredPartitions,
} from "./partition_check.ts";

/** Options of {@link createPublisher}. */
export interface PublisherOptions {
  brokers: string[];
  topic: string;
  clientId: string;
  /** Most messages in one produce request. */
  batchSize: number;
  logger: Logger;
  /** Longest pause between two attempts while Kafka is unavailable. */
  retryMaxMs?: number;
  /** Called once per comment after Kafka acknowledged it. */
  onAcked?: (comment: RawComment) => void;
  /** Called once per produce request with its size, duration and outcome (for metrics). */
  onRequest?: (messages: number, seconds: number, ok: boolean) => void;
  /** Makes the kafkajs producer; tests replace it. */
  createProducer?: () => Producer;
}

/** Kafka refused this comment itself (e.g. too large): sending it again cannot succeed. */
export class MessageRefusedError extends Error {
  constructor(readonly commentId: string, readonly type: string, message: string) {
    super(`Kafka refused comment ${commentId} (${type}): ${message}`);
    this.name = "MessageRefusedError";
  }
}

/** The publisher was closed before this comment could be sent. */
export class NotSentError extends Error {
  constructor(readonly commentId: string) {
    super(`comment ${commentId} was not sent: the producer stopped while Kafka was unavailable`);
    this.name = "NotSentError";
  }
}

/** Publishes comments; see {@link createPublisher}. */
export interface Publisher {
  /** Connects once; when Kafka is not there yet, the sending loop keeps trying by itself. */
  connect(): Promise<void>;
  /**
   * Queues a comment; resolves when Kafka acknowledged it, rejects only with
   * {@link MessageRefusedError} or {@link NotSentError}.
   */
  publish(comment: RawComment): Promise<void>;
  /** Comments queued or in flight. */
  readonly pending: number;
  /** Since when (epoch ms) Kafka has been failing requests, or null while it answers. */
  readonly unavailableSince: number | null;
  /** Requests sent again after a failure, since start. */
  readonly retries: number;
  /** Resolves when everything queued so far is acknowledged (or `signal` aborts). */
  flush(signal?: AbortSignal): Promise<void>;
  /**
   * Waits up to `timeoutMs` for what is queued, then stops retrying and rejects every comment
   * still not acknowledged with {@link NotSentError}; returns those comments.
   */
  close(timeoutMs: number): Promise<Unacknowledged[]>;
  disconnect(): Promise<void>;
}

/** A comment Kafka never acknowledged, when the producer stopped. */
export interface Unacknowledged {
  comment: RawComment;
  /**
   * A request holding it reached a broker, whose answer never came (the broker died, the
   * connection dropped): the broker may have written it. False: no broker ever received it.
   */
  mayHaveLanded: boolean;
}

interface Queued {
  comment: RawComment;
  resolve: () => void;
  reject: (error: unknown) => void;
  reachedBroker?: boolean;
}

const FIRST_RETRY_MS = 100;

/**
 * kafkajs error types for a message itself: sending it again cannot succeed. Anything else
 * (connection, leadership, timeouts, a broker that is gone) is an outage to wait out.
 */
const REFUSAL_TYPES: ReadonlySet<string> = new Set([
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_RECORD",
  "INVALID_TIMESTAMP",
  "CORRUPT_MESSAGE",
]);

/** The refusal type in a kafkajs error or its cause chain, or null. */
export function refusalOf(error: unknown): string | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === "string" && REFUSAL_TYPES.has(type)) return type;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Routes kafkajs's own log lines into the service's structured log. While Kafka is known to be
 * away kafkajs logs every failed attempt; the publisher says so itself, once, so those lines
 * drop to debug.
 */
function kafkaLogCreator(logger: Logger, outage: () => boolean) {
  return () => ({ level, log }: LogEntry) => {
    const { message, ...fields } = log;
    const line = `kafkajs: ${message}`;
    if (outage() || level > logLevel.WARN) logger.debug(line, fields);
    else if (level === logLevel.ERROR) logger.error(line, fields);
    else logger.warn(line, fields);
  };
}

/** Creates a publisher; messages are keyed by commentId so a comment's copies share a partition. */
export function createPublisher(options: PublisherOptions): Publisher {
  const { logger } = options;
  const retryMaxMs = options.retryMaxMs ?? 5_000;
  let unavailableSince: number | null = null;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger, () => unavailableSince !== null),
  });
  // Where the messages of the send in progress went (one send at a time: see sendLoop).
  const targeted = new Set<number>();
  const createProducer = options.createProducer ?? (() =>
    kafka.producer({
      // Idempotence makes the broker drop a retried batch it already wrote, so a retry after a
      // lost acknowledgement does not add copies beyond the intentional duplicates.
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: recordingPartitioner(targeted),
    }));
  let producer = createProducer();
  let connected = false;
  let queue: Queued[] = [];
  let inFlight = 0;
  let sending: Promise<void> | null = null;
  let failedTries = 0;
  let retries = 0;
  let delayMs = FIRST_RETRY_MS;
  /** Aborted by close(): the loop stops waiting and hands back what is left. */
  const closing = new AbortController();

  const send = async (batch: readonly Queued[]) => {
    if (!connected) {
      await producer.connect();
      connected = true;
    }
    for (const item of batch) item.reachedBroker = true;
    targeted.clear();
    const written = await producer.send({
      topic: options.topic,
      acks: -1,
      messages: batch.map(({ comment }) => ({
        key: comment.commentId,
        value: JSON.stringify(comment),
      })),
    });
    // kafkajs may resolve without writing a partition whose leader changed (partition_check.ts).
    const missing = unansweredPartitions(targeted, written ?? []);
    if (missing.length > 0) throw new PartitionsNotWrittenError(missing);
  };

  /**
   * After a failed request the producer's sequence numbers may no longer match the broker's
   * (kafkajs rolls back every partition of a failed request, also those the broker wrote), so
   * the next attempt uses a new producer. Copies the broker already holds are then written
   * again: raw-comments is at least once, the consumer stores each id once.
   */
  const renewProducer = () => {
    const old = producer;
    producer = createProducer();
    connected = false;
    old.disconnect().catch(() => {});
  };

  const noteOutage = (error: unknown, held: number) => {
    failedTries++;
    const fields = {
      topic: options.topic,
      heldComments: held,
      failedTries,
      retryInMs: delayMs,
      error: error instanceof Error ? error.message : String(error),
    };
    if (unavailableSince === null) {
      unavailableSince = Date.now();
      logger.warn("Kafka is unavailable; holding the comments and sending them again", fields);
    } else if (failedTries % 20 === 0) {
      logger.warn("Kafka is still unavailable; holding the comments", {
        ...fields,
        downForMs: Date.now() - unavailableSince,
      });
    }
  };

  const noteBack = () => {
    if (unavailableSince === null) return;
    logger.info("Kafka is back; sending the held comments", {
      topic: options.topic,
      downForMs: Date.now() - unavailableSince,
      failedTries,
      heldComments: queue.length + inFlight,
    });
    unavailableSince = null;
    failedTries = 0;
    delayMs = FIRST_RETRY_MS;
  };

  /** Sends the messages of a refused request one by one; gives up only on the refused ones. */
  const sendAlone = async (batch: readonly Queued[]): Promise<Queued[]> => {
    const again: Queued[] = [];
    for (const [index, item] of batch.entries()) {
      try {
        await send([item]);
        options.onAcked?.(item.comment);
        item.resolve();
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal === null) {
          // An outage after all: this one and the rest go back to the queue.
          again.push(...batch.slice(index));
          renewProducer();
          return again;
        }
        logger.error("Kafka refused a comment; it cannot be sent", {
          commentId: item.comment.commentId,
          type: refusal,
        });
        item.reject(
          new MessageRefusedError(item.comment.commentId, refusal, (error as Error).message),
        );
      }
    }
    return again;
  };

  const sendLoop = async () => {
    while (queue.length > 0 && !closing.signal.aborted) {
      const batch = queue.slice(0, options.batchSize);
      queue = queue.slice(batch.length);
      inFlight = batch.length;
      const started = performance.now();
      let unsent: Queued[] = [];
      let failure: unknown;
      try {
        await send(batch);
        options.onRequest?.(batch.length, (performance.now() - started) / 1_000, true);
        noteBack();
        for (const item of batch) {
          options.onAcked?.(item.comment);
          item.resolve();
        }
      } catch (error) {
        options.onRequest?.(batch.length, (performance.now() - started) / 1_000, false);
        failure = error;
        renewProducer();
        unsent = refusalOf(error) === null ? [...batch] : await sendAlone(batch);
      } finally {
        inFlight = 0;
      }
      if (unsent.length === 0) continue;
      // Back to the front, in order: they are older than anything queued since.
      queue = [...unsent, ...queue];
      noteOutage(failure, queue.length);
      retries++;
      await sleep(delayMs, closing.signal);
      delayMs = Math.min(delayMs * 2, retryMaxMs);
    }
  };
  const kick = () => {
    sending ??= sendLoop().finally(() => {
      sending = null;
    });
    return sending;
  };

  return {
    async connect() {
      try {
        await producer.connect();
        connected = true;
      } catch (error) {
        // Not fatal: the first send connects again, and waits while Kafka is away.
        noteOutage(error, queue.length);
      }
    },
    publish(comment) {
      return new Promise<void>((resolve, reject) => {
        if (closing.signal.aborted) return reject(new NotSentError(comment.commentId));
        queue.push({ comment, resolve, reject });
        kick();
      });
    },
    get pending() {
      return queue.length + inFlight;
    },
    get unavailableSince() {
      return unavailableSince;
    },
    get retries() {
      return retries;
    },
    async flush(signal) {
      while (sending && !signal?.aborted) {
        await (signal ? Promise.race([sending, aborted(signal)]) : sending);
      }
    },
    async close(timeoutMs) {
      const deadline = AbortSignal.timeout(timeoutMs);
      while (sending && !deadline.aborted) await Promise.race([sending, aborted(deadline)]);
      closing.abort();
      while (sending) await sending;
      const left = queue;
      queue = [];
      for (const item of left) item.reject(new NotSentError(item.comment.commentId));
      return left.map((item) => ({
        comment: item.comment,
        mayHaveLanded: item.reachedBroker === true,
      }));
    },
    async disconnect() {
      while (sending) await sending;
      await producer.disconnect().catch(() => {});
    },
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
