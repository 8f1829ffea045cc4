/**
 * Sends comments to Kafka: an idempotent kafkajs producer, acknowledged by all in-sync replicas,
 * with comments queued while a request is in flight and sent together in the next one.
 *
 * @module
 */
import { Kafka, type LogEntry, logLevel, Partitioners, type Producer } from "kafkajs";
import type { RawComment } from "@sentiment/proto/messages";
import type { Logger } from "@sentiment/proto/log";

/** Options of {@link createPublisher}. */
export interface PublisherOptions {
  brokers: string[];
  topic: string;
  clientId: string;
  /** Most messages in one produce request. */
  batchSize: number;
  logger: Logger;
  /** Called once per comment after Kafka acknowledged it. */
  onAcked?: (comment: RawComment) => void;
  /** Called once per produce request with its size, duration and outcome (for metrics). */
  onRequest?: (messages: number, seconds: number, ok: boolean) => void;
}

/** Publishes comments; see {@link createPublisher}. */
export interface Publisher {
  connect(): Promise<void>;
  /** Queues a comment; resolves when Kafka acknowledged it. */
  publish(comment: RawComment): Promise<void>;
  /** Comments queued or in flight. */
  readonly pending: number;
  /** Resolves when everything queued so far is acknowledged. */
  flush(): Promise<void>;
  disconnect(): Promise<void>;
}

interface Queued {
  comment: RawComment;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Routes kafkajs's own log lines into the service's structured log. */
function kafkaLogCreator(logger: Logger) {
  return () => ({ level, log }: LogEntry) => {
    const { message, ...fields } = log;
    const line = `kafkajs: ${message}`;
    if (level === logLevel.ERROR) logger.error(line, fields);
    else if (level === logLevel.WARN) logger.warn(line, fields);
    else logger.debug(line, fields);
  };
}

/** Creates a publisher; messages are keyed by commentId so a comment's copies share a partition. */
export function createPublisher(options: PublisherOptions): Publisher {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger),
  });
  const producer: Producer = kafka.producer({
    // Idempotence makes the broker drop a retried batch it already wrote, so a retry after a
    // lost acknowledgement does not add copies beyond the intentional duplicates.
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let queue: Queued[] = [];
  let inFlight = 0;
  let sending: Promise<void> | null = null;

  const sendLoop = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, options.batchSize);
      queue = queue.slice(batch.length);
      inFlight = batch.length;
      const started = performance.now();
      try {
        await producer.send({
          topic: options.topic,
          acks: -1,
          messages: batch.map(({ comment }) => ({
            key: comment.commentId,
            value: JSON.stringify(comment),
          })),
        });
        options.onRequest?.(batch.length, (performance.now() - started) / 1_000, true);
        for (const item of batch) {
          options.onAcked?.(item.comment);
          item.resolve();
        }
      } catch (error) {
        options.onRequest?.(batch.length, (performance.now() - started) / 1_000, false);
        // One line per failed request, not per comment: an outage would otherwise flood the log.
        options.logger.error("Kafka refused a batch", {
          topic: options.topic,
          comments: batch.length,
          error: error instanceof Error ? error : String(error),
        });
        for (const item of batch) item.reject(error);
      } finally {
        inFlight = 0;
      }
    }
  };
  const kick = () => {
    sending ??= sendLoop().finally(() => {
      sending = null;
    });
    return sending;
  };

  return {
    connect: () => producer.connect(),
    publish(comment) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ comment, resolve, reject });
        kick();
      });
    },
    get pending() {
      return queue.length + inFlight;
    },
    async flush() {
      while (sending) await sending;
    },
    async disconnect() {
      while (sending) await sending;
      await producer.disconnect();
    },
  };
}
