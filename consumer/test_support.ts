/**
 * Test support for the consumer's integration tests: the real sentiment service as a process,
 * a recording gRPC proxy in front of it (so tests know exactly which items sentiment saw and
 * which of them it failed on purpose), comment generation, publishing with kafkajs, and reading
 * topics back. Not a test file itself.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { Kafka, logLevel } from "kafkajs";
import {
  type AnalyzeSentimentBatchRequest,
  type AnalyzeSentimentBatchResponse,
  type AnalyzeSentimentRequest,
  type AnalyzeSentimentResponse,
  createSentimentClient,
  sentimentServiceDefinition,
} from "@sentiment/contracts/grpc";
import { type RawComment, SCHEMA_VERSION, SOURCES, type Tag } from "@sentiment/contracts/messages";
import { createRandom, type Random } from "@sentiment/kit/random";
import {
  createTestDatabase,
  createTestTopics,
  freePort,
  type ServiceProcess,
  startService,
  type TestDatabase,
  testKafka,
  testRedisUrl,
  type TestTopics,
} from "@sentiment/testkit";

/** A running sentiment service process on a free port. */
export interface SentimentProcess {
  address: string;
  lines: string[];
  stop(): Promise<void>;
  /** kill -9, resolving once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Starts the real sentiment service (`sentiment/main.ts` with its own permission set, widened
 * to any loopback port because tests cannot use its fixed default port 50051).
 */
export async function startSentiment(env: Record<string, string> = {}): Promise<SentimentProcess> {
  // A given SENTIMENT_PORT starts it again where consumers already look for it.
  const port = env.SENTIMENT_PORT ? Number(env.SENTIMENT_PORT) : await freePort();
  const service = startService("sentiment", {
    SENTIMENT_HOST: "127.0.0.1",
    SENTIMENT_PORT: String(port),
    SENTIMENT_METRICS_PORT: String(await freePort()),
    ...env,
  }, {
    // Its own set may lag behind the variables it reads while it is being developed.
    denoFlags: ["--allow-env"],
  });
  try {
    await service.waitForLog((line) => line.includes("listening"), 30_000);
  } catch (error) {
    await service.stop(10_000);
    throw new Error(`sentiment did not start: ${(error as Error).message}`);
  }
  return {
    address: `127.0.0.1:${port}`,
    lines: service.lines,
    stop: async () => void await service.stop(10_000),
    kill: async () => {
      service.kill("SIGKILL");
      await service.status;
    },
  };
}

/** One item outcome the proxy saw. */
export interface SeenItem {
  commentId: string;
  textHash: string;
  text: string;
  at: number;
  tag?: Tag;
  errorCode?: number;
}

/** What the recording proxy saw of one comment's sentiment calls. */
export interface CommentAnswers {
  failures: number;
  tags: Tag[];
  errorCodes: number[];
  /** When each answer passed the proxy (ms since the epoch). */
  at: number[];
  /** When each failed answer passed the proxy. */
  failedAt: number[];
}

/**
 * A gRPC server that forwards every call to the real sentiment service and records each item's
 * outcome, so a test can compare what the consumer stored with what sentiment said.
 */
export class RecordingProxy {
  calls = 0;
  items: SeenItem[] = [];
  address = "";
  #server = new grpc.Server();
  #upstream: ReturnType<typeof createSentimentClient>;

  constructor(upstreamAddress: string) {
    this.#upstream = createSentimentClient(upstreamAddress);
  }

  async start(): Promise<void> {
    this.#server.addService(sentimentServiceDefinition(), {
      AnalyzeSentiment: (
        call: grpc.ServerUnaryCall<AnalyzeSentimentRequest, AnalyzeSentimentResponse>,
        callback: grpc.sendUnaryData<AnalyzeSentimentResponse>,
      ) => this.#upstream.AnalyzeSentiment(call.request, {}, callback),
      AnalyzeSentimentBatch: (
        call: grpc.ServerUnaryCall<AnalyzeSentimentBatchRequest, AnalyzeSentimentBatchResponse>,
        callback: grpc.sendUnaryData<AnalyzeSentimentBatchResponse>,
      ) => {
        this.calls++;
        const request = call.request;
        this.#upstream.AnalyzeSentimentBatch(
          request,
          { deadline: Date.now() + 30_000 },
          (error, response) => {
            const at = Date.now();
            request.items.forEach((item, index) => {
              const result = response?.results[index];
              this.items.push({
                commentId: item.commentId,
                textHash: item.textHash,
                text: item.text,
                at,
                tag: result?.outcome === "result" ? result.result.tag : undefined,
                errorCode: error
                  ? (error.code ?? 2)
                  : result?.outcome === "error"
                  ? result.error.code
                  : undefined,
              });
            });
            callback(error, response);
          },
        );
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      this.#server.bindAsync(
        "127.0.0.1:0",
        grpc.ServerCredentials.createInsecure(),
        (error, bound) => error ? reject(error) : resolve(bound),
      )
    );
    this.address = `127.0.0.1:${port}`;
  }

  /**
   * Per comment id: failed attempts seen, and the tag when one was given; when each answer and
   * each failure passed the proxy.
   */
  byComment(): Map<string, CommentAnswers> {
    const map = new Map<string, CommentAnswers>();
    for (const item of this.items) {
      let entry = map.get(item.commentId);
      if (!entry) {
        map.set(
          item.commentId,
          entry = { failures: 0, tags: [], errorCodes: [], at: [], failedAt: [] },
        );
      }
      entry.at.push(item.at);
      if (item.tag) entry.tags.push(item.tag);
      if (item.errorCode !== undefined) {
        entry.failures++;
        entry.errorCodes.push(item.errorCode);
        entry.failedAt.push(item.at);
      }
    }
    return map;
  }

  /** The tag sentiment gave per text hash (it is deterministic, so one per hash). */
  tagsByHash(): Map<string, Set<Tag>> {
    const map = new Map<string, Set<Tag>>();
    for (const item of this.items) {
      if (!item.tag) continue;
      let tags = map.get(item.textHash);
      if (!tags) map.set(item.textHash, tags = new Set());
      tags.add(item.tag);
    }
    return map;
  }

  async stop(): Promise<void> {
    this.#upstream.close();
    await new Promise<void>((resolve) => this.#server.tryShutdown(() => resolve()));
  }
}

const OPENERS = ["I", "We", "Honestly I", "My family", "Everyone here", "My friend"];
const VERBS = ["love", "hate", "like", "enjoyed", "can't stand", "am unsure about", "tried"];
const OBJECTS = [
  "the new update",
  "this product",
  "the customer service",
  "the delivery",
  "your app",
  "the price",
  "the parking lot",
  "the opening hours",
];
const ENDINGS = ["!", ".", " :)", " :(", " so much", " at all", ", not good", ", really great"];

/** A text from a small grammar: about 2 700 distinct texts, so some repeat (cache hits). */
export function commentText(random: Random): string {
  const [opener, verb, object, ending] = [OPENERS, VERBS, OBJECTS, ENDINGS].map((words) =>
    random.pick(words)
  );
  return `${opener} ${verb} ${object}${ending}`;
}

/** A valid raw comment. */
export function rawComment(random: Random, text = commentText(random)): RawComment {
  return {
    schemaVersion: SCHEMA_VERSION,
    commentId: crypto.randomUUID(),
    text,
    source: random.pick(SOURCES),
    createdAt: new Date(Date.UTC(2026, 0, 1) + random.int(0, 1e9 - 1)).toISOString(),
  };
}

/**
 * `count` messages of which `duplicateRatio` repeat an earlier comment (same id and content),
 * in publishing order.
 */
export function commentsWithDuplicates(
  count: number,
  duplicateRatio: number,
  seed = 1,
): { messages: RawComment[]; distinct: Map<string, RawComment> } {
  const random = createRandom(seed);
  const messages: RawComment[] = [];
  const distinct = new Map<string, RawComment>();
  for (let i = 0; i < count; i++) {
    if (messages.length > 0 && random.chance(duplicateRatio)) {
      messages.push(random.pick(messages));
    } else {
      const comment = rawComment(random);
      distinct.set(comment.commentId, comment);
      messages.push(comment);
    }
  }
  return { messages, distinct };
}

/** A message to publish as is: value bytes (or null) and key. */
export interface RawMessage {
  key: string | Uint8Array | null;
  value: string | Uint8Array | null;
}

/** Publishes comments keyed by commentId, like the producer does. */
export function asMessages(comments: readonly RawComment[]): RawMessage[] {
  return comments.map((comment) => ({ key: comment.commentId, value: JSON.stringify(comment) }));
}

/** Publishes messages with an idempotent kafkajs producer, in chunks. */
export async function publish(topic: string, messages: readonly RawMessage[]): Promise<void> {
  const producer = testKafka("consumer-test-publisher").producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += 2000) {
      await producer.send({
        topic,
        acks: -1,
        messages: messages.slice(start, start + 2000).map(({ key, value }) => ({
          key: typeof key === "string" || key === null ? key : toBuffer(key),
          value: typeof value === "string" || value === null ? value : toBuffer(value),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

function toBuffer(bytes: Uint8Array) {
  // kafkajs wants Buffers for binary values.
  return Buffer.from(bytes);
}

/** A message read back from a topic. */
export interface ReadMessage {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** The value of a read message parsed as JSON; a null value (tombstone) fails the test here. */
export function jsonValue(message: ReadMessage): unknown {
  if (message.value === null) {
    throw new Error(`the message at ${message.partition}:${message.offset} has a null value`);
  }
  return JSON.parse(message.value.toString());
}

/** `value`, or a failed test that says what was missing. */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}

/**
 * Collects a topic's messages from the beginning (with a fresh group) until `done` says so
 * or `timeoutMs` passes; returns what was collected either way.
 */
export async function readTopic(
  topic: string,
  done: (messages: ReadMessage[]) => boolean,
  timeoutMs = 60_000,
  brokers?: string[],
): Promise<ReadMessage[]> {
  const kafka = brokers
    ? new Kafka({ clientId: "consumer-test-reader", brokers, logLevel: logLevel.NOTHING })
    : testKafka("consumer-test-reader");
  const consumer = kafka.consumer({ groupId: `reader-${crypto.randomUUID()}` });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => finish = resolve);
  await consumer.run({
    eachBatch: ({ batch }) => {
      for (const message of batch.messages) {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          headers[name] = String(value);
        }
        messages.push({
          key: message.key?.toString() ?? null,
          value: message.value,
          headers,
          partition: batch.partition,
          offset: message.offset,
        });
      }
      if (done(messages)) finish();
      return Promise.resolve();
    },
  });
  const timer = setTimeout(finish, timeoutMs);
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return messages;
}

/**
 * Polls `check` like the testkit's `eventually`, but fails at once with the service's last log
 * lines when one of `services` exits meanwhile.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  services: readonly ServiceProcess[],
  timeoutMs = 120_000,
): Promise<T> {
  let exited: ServiceProcess | undefined;
  for (const service of services) service.status.then(() => exited ??= service);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `service exited while waiting for ${what}:\n${exited.lines.slice(-30).join("\n")}`,
      );
    }
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const last = services.flatMap((service) => service.lines.slice(-10));
  throw new Error(`${what} not reached within ${timeoutMs} ms:\n${last.join("\n")}`);
}

/** The consumer's /healthz body. */
export interface ConsumerHealth {
  status: string;
  ready: boolean;
  paused: boolean;
  inFlight: number;
  waitingForRetry: number;
  down: { dependency: string }[];
  counters: Record<string, number>;
}

export async function health(port: number): Promise<ConsumerHealth> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return await response.json();
}

/** Environment for a consumer under test. */
export function consumerEnv(options: {
  topics: Record<string, string>;
  databaseUrl: string;
  redisUrl: string;
  sentimentAddress: string;
  healthPort: number;
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    ...options.topics,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    SENTIMENT_ADDRESS: options.sentimentAddress,
    CONSUMER_HEALTH_PORT: String(options.healthPort),
    CONSUMER_GROUP: `test-consumer-${crypto.randomUUID().slice(0, 8)}`,
    SUMMARY_INTERVAL_MS: "2000",
    SHUTDOWN_TIMEOUT_MS: "5000",
    ...options.extra,
  };
}

/** What {@link startPipelineHarness} sets up. */
export interface PipelineHarnessOptions {
  /** Partitions of each test topic. */
  partitions: number;
  /** Environment of the sentiment process. */
  sentimentEnv?: Record<string, string>;
  /** Put a {@link RecordingProxy} between the consumers and sentiment. */
  proxy?: boolean;
}

/** A consumer process started by a {@link PipelineHarness}, with its health port. */
export interface HarnessConsumer {
  port: number;
  process: ServiceProcess;
}

/** Fresh topics, database, Redis and sentiment (optionally behind a proxy) for one test. */
export interface PipelineHarness {
  topics: TestTopics;
  db: TestDatabase;
  redisUrl: string;
  sentiment: SentimentProcess;
  /** Set when started with `proxy: true`; the consumers then talk to it. */
  proxy: RecordingProxy | undefined;
  /** The consumer group every consumer of this harness joins. */
  group: string;
  /** Every consumer started so far, in start order. */
  consumers: HarnessConsumer[];
  /** Starts a consumer (`consumerEnv` plus `extraEnv`) on a free health port. */
  startConsumer(extraEnv?: Record<string, string>): Promise<HarnessConsumer>;
  /**
   * Stops every consumer (at once), THEN sentiment, THEN the proxy, and resolves with the
   * consumers' exit statuses in start order. Sentiment goes before the proxy: a gRPC channel
   * closed to a live peer sends GOAWAY, which Deno 2.9's nghttp2 can abort on
   * (denoland/deno#36788); closing towards a gone process sends nothing. Runs once.
   */
  stop(): Promise<Deno.CommandStatus[]>;
  /** {@link PipelineHarness.stop}, then drops the database. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Sets up what a consumer integration test runs against; `await using` tears it down. */
export async function startPipelineHarness(
  options: PipelineHarnessOptions,
): Promise<PipelineHarness> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const undo = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const topics = await createTestTopics(options.partitions);
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const redisUrl = await testRedisUrl();
    const sentiment = await startSentiment(options.sentimentEnv);
    cleanups.push(() => sentiment.stop());
    let proxy: RecordingProxy | undefined;
    if (options.proxy) {
      proxy = new RecordingProxy(sentiment.address);
      await proxy.start();
    }
    const group = `test-consumer-${crypto.randomUUID().slice(0, 8)}`;
    const consumers: HarnessConsumer[] = [];
    let stopped: Promise<Deno.CommandStatus[]> | undefined;
    const stop = () =>
      stopped ??= (async () => {
        try {
          return await Promise.all(consumers.map(({ process }) => process.stop()));
        } finally {
          await sentiment.stop();
          await proxy?.stop();
        }
      })();
    return {
      topics,
      db,
      redisUrl,
      sentiment,
      proxy,
      group,
      consumers,
      async startConsumer(extraEnv = {}) {
        const port = await freePort();
        const process = startService(
          "consumer",
          consumerEnv({
            topics: topics.env,
            databaseUrl: db.url,
            redisUrl,
            sentimentAddress: proxy?.address ?? sentiment.address,
            healthPort: port,
            extra: { CONSUMER_GROUP: group, ...extraEnv },
          }),
        );
        const consumer = { port, process };
        consumers.push(consumer);
        return consumer;
      },
      stop,
      async [Symbol.asyncDispose]() {
        try {
          await stop();
        } finally {
          await db.drop();
        }
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
