/**
 * Starts the producer from its configuration: the publisher, the health and metrics endpoint
 * and the run loop; the run ends at the configured count or on {@link RunningService.stop},
 * after flushing what is queued.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { serveOpsEndpoint } from "@sentiment/kit/metrics";
import type { RunningService } from "@sentiment/kit/service";
import type { ProducerConfig } from "./config.ts";
import { createCommentGenerator } from "./generator.ts";
import { createProducerMetrics } from "./metrics.ts";
import { createPacer } from "./pacer.ts";
import { createPublisher } from "./publisher.ts";
import { createRandom, randomSeed } from "@sentiment/kit/random";
import { emptyStats, runProducer } from "./run.ts";
import { openTruthFile, type TruthWriter } from "./truth_file.ts";

/**
 * Starts publishing; rejects when the truth file cannot be opened or Kafka cannot be reached.
 * `finished` rejects when comments were refused or left unsent, so the process exits 1.
 */
export async function start(config: ProducerConfig, logger: Logger): Promise<RunningService> {
  const seed = config.seed ?? randomSeed();
  const stopping = new AbortController();
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
      ok: !stopping.signal.aborted,
      service: "producer",
      pending: publisher.pending,
      kafkaUnavailableSince: publisher.unavailableSince === null
        ? null
        : new Date(publisher.unavailableSince).toISOString(),
    }),
    logger,
    portVariable: "PRODUCER_HEALTH_PORT",
  });
  let truth: TruthWriter | undefined;
  try {
    truth = config.truthFile ? await openTruthFile(config.truthFile) : undefined;
    await publisher.connect();
  } catch (error) {
    await truth?.close();
    await opsServer?.shutdown();
    const target = config.truthFile ? ` (truth file ${config.truthFile})` : "";
    throw new Error(`${String(error)}; brokers ${config.brokers.join(",")}${target}`);
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
  const finished = (async () => {
    const stats = await runProducer({
      // The pace draws from its own stream so that changing the pace never changes the comments.
      generator: createCommentGenerator({ seed, duplicateRatio: config.duplicateRatio }),
      pacer: createPacer({ ...config, random: createRandom(seed ^ 0x5bd1e995) }),
      publisher,
      logger,
      count: config.count,
      truth,
      signal: stopping.signal,
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
    if (stats.failed > 0) {
      throw new Error(`${stats.failed} comments are not in Kafka (refused or not sent)`);
    }
  })();
  return {
    finished,
    stop: async () => {
      stopping.abort();
      await finished.catch(() => {});
    },
  };
}
