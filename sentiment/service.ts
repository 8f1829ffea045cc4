/**
 * Starts the sentiment service from its configuration: the analyzer, the gRPC server, the
 * health and metrics endpoint and the periodic summary; and stops them in reverse order.
 *
 * @module
 */
import type { Logger } from "@sentiment/kit/log";
import { serveOpsEndpoint } from "@sentiment/kit/metrics";
import type { RunningService } from "@sentiment/kit/service";
import { createAnalyzer } from "./analyzer.ts";
import type { SentimentConfig } from "./config.ts";
import { createFailureInjector } from "./failure_injector.ts";
import { createSentimentMetrics } from "./metrics.ts";
import { createSentimentServer } from "./server.ts";
import { startSummary } from "./summary.ts";

/** A listening sentiment service. */
export interface RunningSentiment extends RunningService {
  /** The gRPC port it listens on (the configured one, or the one picked for port 0). */
  port: number;
}

/** Starts the service; rejects when the gRPC port cannot be bound. */
export async function start(config: SentimentConfig, logger: Logger): Promise<RunningSentiment> {
  const analyzer = createAnalyzer({
    maxTextLength: config.maxTextLength,
    maxBatchItems: config.maxBatchItems,
    injector: createFailureInjector({ ratio: config.failureRatio, seed: config.failureSeed }),
  });
  const metrics = createSentimentMetrics(analyzer.totals);
  const server = createSentimentServer({
    host: config.host,
    port: config.port,
    analyzer,
    logger,
    shutdownGraceMs: config.shutdownGraceMs,
    onCall: metrics.onCall,
  });
  let stopping = false;
  let listening = false;
  const opsServer = serveOpsEndpoint({
    hostname: config.host,
    port: config.metricsPort,
    registry: metrics.registry,
    health: () => ({ ok: listening && !stopping, service: "sentiment", grpcPort: config.port }),
    logger,
    portVariable: "SENTIMENT_METRICS_PORT",
  });
  let port: number;
  try {
    port = await server.start();
  } catch (error) {
    await opsServer?.shutdown();
    throw new Error(`cannot listen on ${config.host}:${config.port}: ${String(error)}`);
  }
  listening = true;
  const summary = startSummary(analyzer, logger, config.summaryIntervalMs);
  logger.info("Sentiment service listening", {
    address: `${config.host}:${port}`,
    failureRatio: config.failureRatio,
    failureSeed: config.failureSeed ?? null,
    maxTextLength: config.maxTextLength,
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      stopping = true;
      await server.stop();
      await opsServer?.shutdown();
      summary.stop();
    })();
  return { port, stop };
}
