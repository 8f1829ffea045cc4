/**
 * Starts a consumer instance from its configuration: the clients (PostgreSQL, Redis, Kafka,
 * sentiment), the pipeline and the flow that drives it, the Kafka intake and the health
 * endpoint; and stops them in reverse order. Each piece is made before the pieces that use it.
 *
 * @module
 */
// Before kafkajs: it replaces a module kafkajs captures when it loads (see its header).
import { speedUpKafkajsEncoder } from "./kafkajs_encoder.ts";
import { Kafka } from "kafkajs";
import postgres from "postgres";
import { Redis } from "ioredis";
import { redact } from "@sentiment/kit/config";
import { migrate } from "@sentiment/contracts/db";
import type { Logger } from "@sentiment/kit/log";
import { rawCommentSchema } from "@sentiment/contracts/messages";
import { metricsResponse } from "@sentiment/kit/metrics";
import type { RunningService } from "@sentiment/kit/service";
import type { ConsumerConfig } from "./config.ts";
import { RedisDedup } from "./dedup.ts";
import { Flow } from "./flow.ts";
import { healthHandler } from "./health.ts";
import { InfraGuard } from "./infra_guard.ts";
import { KafkaIntake, kafkaLogCreator } from "./kafka_intake.ts";
import { ConsumerMetrics } from "./metrics.ts";
import { FastDefaultPartitioner } from "./partitioner.ts";
import { Pipeline } from "./pipeline.ts";
import { KafkaPublisher } from "./publisher.ts";
import { GrpcSentimentGateway } from "./sentiment_client.ts";
import { Stats } from "./stats.ts";
import { PostgresCommentStore } from "./store.ts";
import { startRetention } from "./retention.ts";
import { startSummary } from "./summary.ts";
import { TagCache } from "./tag_cache.ts";

/** A started consumer instance. */
export interface RunningConsumer extends RunningService {
  /** Port of `/healthz`, `/readyz` and `/metrics` (the bound one when 0 was asked for). */
  healthPort: number;
  /** Resolves once migrated, connected and consuming (it waits for its dependencies). */
  consuming: Promise<void>;
  /** Rejects when the instance cannot go on (start-up failed, the Kafka consumer crashed). */
  finished: Promise<void>;
}

/**
 * Starts the instance and returns once its health endpoint listens; reaching PostgreSQL and
 * Kafka, migrating and joining the group go on in the background (see `consuming`), waiting
 * with back-off for a dependency that is down, so a stop at any moment is a clean one.
 */
export function start(config: ConsumerConfig, logger: Logger): Promise<RunningConsumer> {
  const sql = connectPostgres(config);
  const redis = connectRedis(config);
  const kafka = createKafka(config, logger);
  const kafkaPublisher = new KafkaPublisher(() =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Same partitions as kafkajs's DefaultPartitioner, without a Buffer and Longs per key.
      createPartitioner: FastDefaultPartitioner,
    }), config.topics);
  const sentiment = new GrpcSentimentGateway(
    config.sentimentAddress,
    config.consumerId,
    config.sentimentTimeoutMs,
  );
  const guard = new InfraGuard(logger, config.infraRetryMaxMs);
  guard.setProbe("sentiment", () => sentiment.waitForReady(1_000));
  const intake = new KafkaIntake(
    kafka,
    config.groupId,
    config.topics.raw,
    logger,
    config.sessionTimeoutMs,
    config.rebalanceTimeoutMs,
    { minBytes: config.fetchMinBytes, maxWaitMs: config.fetchMaxWaitMs },
  );
  const stats = new Stats();
  // The in-flight gauge reads the flow, which itself runs its passes through these metrics: it
  // is pointed at the flow once that exists.
  const inFlight = { count: (): number => 0 };
  const metrics = new ConsumerMetrics(stats, () => inFlight.count());
  intake.onBatch = (partition, highWatermark, lastOffset) =>
    metrics.recordLag(partition, highWatermark, lastOffset);
  const cache = new TagCache(config.cacheSize);
  const pipeline = new Pipeline({
    consumerId: config.consumerId,
    schema: rawCommentSchema(config.maxTextLength),
    maxTextLength: config.maxTextLength,
    maxMessageBytes: config.maxMessageBytes,
    dedup: new RedisDedup(redis, config.dedupTtlSeconds),
    cache,
    sentiment: metrics.sentiment(sentiment),
    store: metrics.store(new PostgresCommentStore(sql)),
    publisher: metrics.publisher(kafkaPublisher),
    guard,
    retryDelaysMs: config.retryDelaysMs,
    stats,
    logger,
  });
  const flow = new Flow(
    metrics.runner(pipeline),
    {
      setPaused: (paused) => intake.setPaused(paused),
      commit: (points) => intake.commit(points),
    },
    guard,
    stats,
    logger,
    {
      batchSize: config.batchSize,
      concurrency: config.concurrency,
      maxInFlight: config.maxInFlight,
      gatherMs: config.gatherMs,
    },
  );
  inFlight.count = () => flow.inFlight;
  guard.onChange = () => flow.dependenciesChanged();

  const state = () => ({
    inFlight: flow.inFlight,
    queued: flow.queued,
    waitingForRetry: flow.waitingForRetry,
    passes: flow.runningPasses,
    paused: flow.paused,
  });
  const health = healthHandler(() => ({
    ready: intake.joined,
    stopping: flow.stopping,
    down: guard.downList(),
    troubles: guard.troubles(),
    consumerId: config.consumerId,
    ...state(),
    cacheSize: cache.size,
    counters: stats.snapshot(),
  }));
  const server = Deno.serve(
    {
      hostname: config.healthHost,
      port: config.healthPort,
      onListen: ({ hostname, port }) =>
        logger.info("Health endpoint listening", { hostname, port }),
    },
    // `/metrics` beside the health routes on the same port.
    (request) =>
      new URL(request.url).pathname === "/metrics"
        ? metricsResponse(metrics.registry, request.method)
        : health(request),
  );
  const stopSummary = startSummary(stats, logger, config.summaryIntervalMs, state);
  const retention = startRetention(sql, config.retention, logger);

  let fail: (error: Error) => void = () => {};
  const failure = new Promise<never>((_, reject) => fail = reject);
  intake.onFatal = (error) => fail(new Error(`the Kafka consumer cannot continue: ${error}`));

  logger.info("Starting", {
    consumerId: config.consumerId,
    groupId: config.groupId,
    topics: config.topics,
    kafkaBrokers: config.kafkaBrokers,
    databaseUrl: redact(config.databaseUrl),
    redisUrl: redact(config.redisUrl),
    sentimentAddress: config.sentimentAddress,
    retryDelaysMs: config.retryDelaysMs,
  });
  const startup = new AbortController();
  const consuming = (async () => {
    // Each step waits (with back-off) for its dependency rather than failing the start.
    await guard.run("postgresql", () => migrate(sql), startup.signal);
    await guard.run("kafka", () => kafkaPublisher.connect(), startup.signal);
    await guard.run("kafka", () => intake.start(flow), startup.signal);
    logger.info("Consuming", { topic: config.topics.raw });
  })();
  consuming.catch((error) => {
    if (!startup.signal.aborted) fail(new Error(`start-up failed: ${String(error)}`));
  });

  let stopped: Promise<void> | undefined;
  let resolveStopped: () => void = () => {};
  const stoppedCleanly = new Promise<void>((resolve) => resolveStopped = resolve);
  const stop = () =>
    stopped ??= (async () => {
      startup.abort();
      try {
        await flow.stop(config.shutdownTimeoutMs);
      } catch (error) {
        logger.warn("Final offset commit failed; the uncommitted work will be read again", {
          error,
        });
      }
      await Promise.allSettled([intake.stop(), kafkaPublisher.disconnect(), retention.stop()]);
      guard.close();
      stopSummary();
      // The gRPC channel is left open on purpose: closing it sends HTTP/2 GOAWAY, and Deno 2.9's
      // nghttp2 binding aborts the receiving process on a GOAWAY over a busy connection
      // (denoland/deno#36788). Exiting closes the socket without one.
      redis.disconnect();
      await Promise.allSettled([sql.end({ timeout: 5 }), server.shutdown()]);
      logger.info("Final counters", { counters: stats.snapshot() });
      resolveStopped();
    })();
  return Promise.resolve({
    healthPort: server.addr.port,
    consuming,
    finished: Promise.race([failure, stoppedCleanly]),
    stop,
  });
}

function connectPostgres(config: ConsumerConfig) {
  return postgres(config.databaseUrl, {
    max: Math.max(2, config.concurrency + 1),
    connect_timeout: 5,
    idle_timeout: 60,
    onnotice: () => {},
  });
}

function connectRedis(config: ConsumerConfig): Redis {
  const redis = new Redis(config.redisUrl, {
    // Fail commands quickly while Redis is away, so the guard pauses intake instead of piling
    // up. (The deadline is per operation, in RedisDedup: commandTimeout would arm a timer per
    // command.)
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
  redis.on("error", () => {
    // Reported through the failing commands (and the guard); the event alone would spam the log.
  });
  return redis;
}

function createKafka(config: ConsumerConfig, logger: Logger): Kafka {
  const patches = speedUpKafkajsEncoder();
  // Each one false means kafkajs's own (slower) code: loaded before this module could replace it.
  logger.debug("kafkajs encoding replacements", { ...patches });
  return new Kafka({
    clientId: `consumer-${config.consumerId}`,
    brokers: config.kafkaBrokers,
    logLevel: config.logLevel === "debug" ? 4 : 2,
    logCreator: kafkaLogCreator(logger),
  });
}
