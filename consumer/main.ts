/**
 * The consumer service: wires configuration to the clients, the pipeline, the flow and the
 * Kafka intake, serves the health endpoint, and shuts down gracefully on SIGINT/SIGTERM.
 *
 * Run from the repository root: `deno run -P=consumer consumer/main.ts`.
 *
 * @module
 */
// First: npm packages below must meet the narrowed process.env when they load.
import "./env_view.ts";
import { Kafka } from "kafkajs";
import postgres from "postgres";
import { Redis } from "ioredis";
import { loadConfigOrExit, redact } from "@sentiment/proto/config";
import { createLogger } from "@sentiment/proto/log";
import { rawCommentSchema } from "@sentiment/proto/messages";
import { migrate } from "@sentiment/proto/db";
import { readConfig } from "./config.ts";
import { RedisDedup } from "./dedup.ts";
import { Flow } from "./flow.ts";
import { healthHandler } from "./health.ts";
import { InfraGuard } from "./infra_guard.ts";
import { KafkaIntake, kafkaLogCreator } from "./kafka_intake.ts";
import { ConsumerMetrics } from "./metrics.ts";
import { metricsResponse } from "@sentiment/proto/metrics";
import { speedUpKafkajsEncoder } from "./kafkajs_encoder.ts";
import { FastDefaultPartitioner } from "./partitioner.ts";
import { Pipeline } from "./pipeline.ts";
import { KafkaPublisher } from "./publisher.ts";
import { GrpcSentimentGateway } from "./sentiment_client.ts";
import { Stats } from "./stats.ts";
import { startRetention } from "./retention.ts";
import { PostgresCommentStore } from "./store.ts";
import { startSummary } from "./summary.ts";
import { TagCache } from "./tag_cache.ts";

const config = loadConfigOrExit("consumer", () => readConfig(Deno.env));
const logger = createLogger("consumer", config.logLevel);
const startup = new AbortController();

const sql = postgres(config.databaseUrl, {
  max: Math.max(2, config.concurrency + 1),
  connect_timeout: 5,
  idle_timeout: 60,
  onnotice: () => {},
});
const redis = new Redis(config.redisUrl, {
  // Fail commands quickly while Redis is away, so the guard pauses intake instead of piling up.
  // (The deadline is per operation, in RedisDedup: commandTimeout would arm a timer per command.)
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 200, 2_000),
  lazyConnect: false,
});
redis.on("error", () => {
  // Reported through the failing commands (and the guard); the event alone would spam the log.
});
speedUpKafkajsEncoder();
const kafka = new Kafka({
  clientId: `consumer-${config.consumerId}`,
  brokers: config.kafkaBrokers,
  logLevel: config.logLevel === "debug" ? 4 : 2,
  logCreator: kafkaLogCreator(logger),
});
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
const stats = new Stats();
const metrics: ConsumerMetrics = new ConsumerMetrics(stats, (): number => flow.inFlight);
const cache = new TagCache(config.cacheSize);
const guard = new InfraGuard(logger, config.infraRetryMaxMs);
guard.setProbe("sentiment", () => sentiment.waitForReady(1_000));
const intake = new KafkaIntake(
  kafka,
  config.groupId,
  config.topics.raw,
  logger,
  config.sessionTimeoutMs,
  config.rebalanceTimeoutMs,
);
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
intake.onBatch = (partition, highWatermark, lastOffset) =>
  metrics.recordLag(partition, highWatermark, lastOffset);
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
  },
);
guard.onChange = () => flow.dependenciesChanged();

const state = () => ({
  inFlight: flow.inFlight,
  queued: flow.queued,
  waitingForRetry: flow.waitingForRetry,
  passes: flow.runningPasses,
  paused: flow.paused,
});
/** `/metrics` beside the health routes on the same port. */
function withMetrics(health: (request: Request) => Response) {
  return (request: Request): Response | Promise<Response> =>
    new URL(request.url).pathname === "/metrics"
      ? metricsResponse(metrics.registry, request.method)
      : health(request);
}
const server = Deno.serve(
  {
    hostname: config.healthHost,
    port: config.healthPort,
    onListen: ({ hostname, port }) => logger.info("Health endpoint listening", { hostname, port }),
  },
  withMetrics(
    healthHandler(() => ({
      ready: intake.joined,
      stopping: flow.stopping,
      down: guard.downList(),
      troubles: guard.troubles(),
      consumerId: config.consumerId,
      ...state(),
      cacheSize: cache.size,
      counters: stats.snapshot(),
    })),
  ),
);
const stopSummary = startSummary(stats, logger, config.summaryIntervalMs, state);
const retention = startRetention(sql, config.retention, logger);

let stopping: Promise<void> | null = null;
function shutdown(reason: string, exitCode = 0): Promise<void> {
  if (stopping) return stopping;
  stopping = (async () => {
    logger.info("Shutting down", { reason });
    startup.abort();
    try {
      await flow.stop(config.shutdownTimeoutMs);
    } catch (error) {
      logger.warn("Final offset commit failed; the uncommitted work will be read again", { error });
    }
    await Promise.allSettled([
      intake.stop(),
      kafkaPublisher.disconnect(),
      retention.stop(),
    ]);
    guard.close();
    stopSummary();
    // The gRPC channel is left open on purpose: closing it sends HTTP/2 GOAWAY, and Deno 2.9's
    // nghttp2 binding aborts the receiving process on a GOAWAY over a busy connection
    // (denoland/deno#36788). Exiting closes the socket without one.
    redis.disconnect();
    await Promise.allSettled([sql.end({ timeout: 5 }), server.shutdown()]);
    logger.info("Stopped", { counters: stats.snapshot() });
    Deno.exit(exitCode);
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    if (stopping) {
      logger.warn("Second signal: exiting now");
      Deno.exit(130);
    }
    shutdown(signal);
  });
}
intake.onFatal = (error) => {
  logger.error("Kafka consumer cannot continue", { error });
  shutdown("kafka consumer crashed", 1);
};

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
try {
  // Each step waits (with back-off) for its dependency rather than failing the start.
  await guard.run("postgresql", () => migrate(sql), startup.signal);
  await guard.run("kafka", () => kafkaPublisher.connect(), startup.signal);
  await guard.run("kafka", () => intake.start(flow), startup.signal);
  logger.info("Consuming", { topic: config.topics.raw });
} catch (error) {
  if (!stopping) {
    logger.error("Start-up failed", { error });
    await shutdown("start-up failed", 1);
  }
}
