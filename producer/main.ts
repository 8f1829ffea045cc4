/**
 * Publishes mock comments to Kafka: `deno run -P=producer producer/main.ts [--burst] [--count N]
 * [--rate R] [--duplicate-ratio P] [--seed S] [--truth-file PATH]`.
 *
 * @module
 */
import { loadConfigOrExit } from "@sentiment/proto/config";
import { createLogger } from "@sentiment/proto/log";
import { serveOpsEndpoint } from "@sentiment/proto/metrics";
import { readProducerConfig } from "./config.ts";
import { createCommentGenerator } from "./generator.ts";
import { createProducerMetrics } from "./metrics.ts";
import { createPacer } from "./pacer.ts";
import { createPublisher } from "./publisher.ts";
import { createRandom, randomSeed } from "./random.ts";
import { emptyStats, runProducer } from "./run.ts";
import { openTruthFile } from "./truth_file.ts";

const config = loadConfigOrExit("producer", () => readProducerConfig(Deno.env, Deno.args));
const logger = createLogger("producer", config.logLevel);
const seed = config.seed ?? randomSeed();

const stop = new AbortController();
const onSignal = (signal: string) => {
  if (stop.signal.aborted) return;
  logger.info("Stopping: flushing what is queued", { signal });
  stop.abort();
};
Deno.addSignalListener("SIGINT", () => onSignal("SIGINT"));
Deno.addSignalListener("SIGTERM", () => onSignal("SIGTERM"));

const totals = emptyStats();
// Read only at scrape time, after the publisher below exists.
const metrics = createProducerMetrics(totals, () => publisher.pending, () => ({
  unavailable: publisher.unavailableSince !== null,
  retries: publisher.retries,
}));
const publisher = createPublisher({
  brokers: config.brokers,
  topic: config.topic,
  clientId: config.clientId,
  batchSize: config.batchSize,
  retryMaxMs: config.retryMaxMs,
  logger,
  onRequest: metrics.onRequest,
});
const opsServer = serveOpsEndpoint({
  hostname: config.healthHost,
  port: config.healthPort,
  registry: metrics.registry,
  health: () => ({
    ok: !stop.signal.aborted,
    service: "producer",
    pending: publisher.pending,
    kafkaUnavailableSince: publisher.unavailableSince === null
      ? null
      : new Date(publisher.unavailableSince).toISOString(),
  }),
  logger,
  portVariable: "PRODUCER_HEALTH_PORT",
});
let truth;
try {
  truth = config.truthFile ? await openTruthFile(config.truthFile) : undefined;
  await publisher.connect();
} catch (error) {
  logger.error("Cannot start", { brokers: config.brokers, truthFile: config.truthFile, error });
  Deno.exit(1);
}

logger.info("Producer started", {
  topic: config.topic,
  brokers: config.brokers,
  seed,
  mode: config.burst ? "burst" : config.rate !== undefined ? `${config.rate}/s` : "random pace",
  count: config.count ?? null,
  duplicateRatio: config.duplicateRatio,
  truthFile: config.truthFile ?? null,
});
const stats = await runProducer({
  // The pace draws from its own stream so that changing the pace never changes the comments.
  generator: createCommentGenerator({ seed, duplicateRatio: config.duplicateRatio }),
  pacer: createPacer({ ...config, random: createRandom(seed ^ 0x5bd1e995) }),
  publisher,
  logger,
  count: config.count,
  truth,
  signal: stop.signal,
  summaryIntervalMs: config.summaryIntervalMs,
  maxPending: config.maxPending,
  shutdownTimeoutMs: config.shutdownTimeoutMs,
  totals,
});
await truth?.close();
await publisher.disconnect();
await opsServer?.shutdown();
logger.info("Producer stopped", {
  published: stats.published,
  refused: stats.refused,
  notSent: stats.notSent,
});
Deno.exit(stats.failed > 0 ? 1 : 0);
