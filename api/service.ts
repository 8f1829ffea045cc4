/**
 * Starts a whole api instance from its configuration: PostgreSQL pool, the sequencer and stream
 * hub, the processed-comments consumer and the HTTP server; and stops it in reverse order.
 *
 * @module
 */
import postgres from "postgres";
import { redact } from "@sentiment/kit/config";
import type { Logger } from "@sentiment/kit/log";
import type { RunningService } from "@sentiment/kit/service";
import { createApp } from "./app.ts";
import { createCommentsStore } from "./comments_store.ts";
import { startHeapKeeper } from "./heap_keeper.ts";
import { serveHttp } from "./http_server.ts";
import { commentsReader } from "./comments_query.ts";
import type { ApiConfig } from "./config.ts";
import { createApiMetrics, metricsHandler } from "./metrics.ts";
import { createProcessedConsumer } from "./processed_consumer.ts";
import { Sequencer } from "./sequencer.ts";
import { statisticsReader } from "./statistics.ts";
import { StreamHub } from "./stream_hub.ts";

export interface RunningApi extends RunningService {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:3001. */
  url: string;
  hub: StreamHub;
  sequencer: Sequencer;
  /** Resolves when the server has stopped (after {@link RunningApi.stop}, or on its own). */
  finished: Promise<void>;
}

const SUMMARY_INTERVAL_MS = 60_000;

/** Starts the api; rejects when its port cannot be bound. */
export async function start(config: ApiConfig, log: Logger): Promise<RunningApi> {
  const sql = postgres(config.databaseUrl, {
    max: config.databasePoolSize,
    idle_timeout: 60,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: `api-${config.instanceId}`.slice(0, 63) },
  });
  const store = createCommentsStore(sql);
  const heap = await startHeapKeeper(log.child({ part: "heap" }));
  // The hub reads the watermark lazily, so it can exist before the sequencer that feeds it.
  const hub = new StreamHub({
    get watermark() {
      return sequencer.watermark;
    },
    rowsBetween: (after, upTo, limit) => store.rowsBetween(after, upTo, limit),
  }, {
    bufferBytes: config.sse.clientBufferBytes,
    maxClients: config.sse.maxClients,
    maxClientsPerAddress: config.sse.maxClientsPerAddress,
    stallTimeoutMs: config.sse.stallTimeoutMs,
    backfillPage: config.sse.backfillPage,
    heartbeatMs: config.sse.heartbeatMs,
    retryMs: config.sse.retryMs,
    onRelease: () => heap.release(),
  }, log.child({ part: "hub" }));
  const sequencer = new Sequencer(
    store,
    {
      maxPending: config.stream.maxPending,
      gapTimeoutMs: config.stream.gapTimeoutMs,
      pageSize: config.sse.backfillPage,
      dedupeWindow: config.stream.dedupeWindow,
    },
    (comments, watermark) => hub.deliver(comments, watermark),
    log.child({ part: "sequencer" }),
  );

  const groupId = `api-${config.instanceId}`;
  const consumer = createProcessedConsumer({
    brokers: config.kafkaBrokers,
    topic: config.processedTopic,
    groupId,
    clientId: groupId,
    deleteGroupOnStop: config.instanceIdGenerated,
    log: log.child({ part: "kafka" }),
    onComment: (comment) => sequencer.offer(comment),
  });

  const started = sequencer.start();
  // Keeps the reader running (it retries by itself) until stop.
  const consumerRunning = consumer.start();
  const poll = setInterval(async () => {
    if (!sequencer.started) return;
    try {
      sequencer.noteCommitted(await store.maxSeq());
    } catch { /* the sequencer logs database trouble itself */ }
  }, config.stream.pollMs);

  let unauthorized = 0;
  const registry = createApiMetrics({
    heap: () => heap.stats(),
    hub: () => hub.stats(),
    sequencer: () => sequencer.stats(),
    consumer: () => consumer.stats(),
    unauthorized: () => unauthorized,
  });
  const app = createApp({
    comments: commentsReader(sql),
    statistics: statisticsReader(sql),
    stream: hub,
    streamStarted: async () => {
      if (sequencer.started) return true;
      return await Promise.race([
        started.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(sequencer.started), 10_000)),
      ]);
    },
    newestStored: () => store.maxSeq(),
    probes: {
      postgres: async () => (await sql`SELECT 1 AS one`).length === 1,
      kafka: () => consumer.brokerReady(),
      stream: () => {
        if (!sequencer.started) {
          return Promise.resolve("the sequencer has not started: PostgreSQL not readable yet");
        }
        const reader = consumer.state();
        return Promise.resolve(reader === true ? true : `processed-comments reader ${reader}`);
      },
    },
    trustedProxies: config.trustedProxies,
    corsOrigins: config.corsOrigins,
    log: log.child({ part: "http" }),
    metrics: metricsHandler(registry),
    apiToken: config.apiToken,
    onUnauthorized: () => unauthorized++,
  });

  let server;
  try {
    server = await serveHttp(app, {
      hostname: config.host,
      port: config.port,
      onError: (error) => {
        log.error("unhandled request error", { error });
        return new Response(JSON.stringify({ error: "internal error" }), {
          status: 500,
          headers: { "content-type": "application/json" },
        });
      },
    });
  } catch (error) {
    // Nothing may keep running when the port cannot be bound.
    clearInterval(poll);
    heap.stop();
    hub.close();
    await sequencer.stop();
    await consumer.stop();
    await sql.end({ timeout: 1 });
    throw error;
  }
  const host = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
  const url = `http://${host}:${server.port}`;
  log.info("api listening", {
    url,
    instanceId: config.instanceId,
    groupId,
    topic: config.processedTopic,
    database: redact(config.databaseUrl),
    auth: config.apiToken === null ? "open" : "bearer token",
  });

  const summary = setInterval(() => {
    log.info("api summary", {
      ...hub.stats(),
      ...sequencer.stats(),
      kafka: consumer.stats(),
    });
  }, SUMMARY_INTERVAL_MS);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopping ??= (async () => {
      clearInterval(summary);
      clearInterval(poll);
      heap.stop();
      // Ends every stream; the server then waits for open connections up to the grace.
      hub.close();
      await server.close(config.shutdownGraceMs);
      await sequencer.stop();
      await consumer.stop();
      await withTimeout(consumerRunning, 5_000);
      await started.catch(() => {});
      await sql.end({ timeout: 5 });
      log.info("api stopped");
    })();

  return { url, hub, sequencer, finished: server.finished, stop };
}

/** Waits for `promise` at most `ms` (a reader stuck connecting must not block shutdown). */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    promise.catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}
