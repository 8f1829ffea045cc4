/**
 * Starts the sentiment gRPC service: `deno run -P=sentiment sentiment/main.ts`.
 *
 * @module
 */
import { loadConfigOrExit } from "@sentiment/proto/config";
import { createLogger } from "@sentiment/proto/log";
import { serveOpsEndpoint } from "@sentiment/proto/metrics";
import { createAnalyzer } from "./analyzer.ts";
import { readSentimentConfig } from "./config.ts";
import { createFailureInjector } from "./failure_injector.ts";
import { createSentimentMetrics } from "./metrics.ts";
import { createSentimentServer } from "./server.ts";
import { startSummary } from "./summary.ts";

const config = loadConfigOrExit("sentiment", () => readSentimentConfig(Deno.env));
const logger = createLogger("sentiment", config.logLevel);
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
const summary = startSummary(analyzer, logger, config.summaryIntervalMs);
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info("Shutting down", { signal });
  await server.stop();
  await opsServer?.shutdown();
  summary.stop();
  logger.info("Stopped");
  Deno.exit(0);
};
// Registered before listening so that a signal right after start-up is still a clean stop.
Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));

let port: number;
try {
  port = await server.start();
  listening = true;
} catch (error) {
  logger.error("Cannot listen", { host: config.host, port: config.port, error });
  Deno.exit(1);
}
logger.info("Sentiment service listening", {
  address: `${config.host}:${port}`,
  failureRatio: config.failureRatio,
  failureSeed: config.failureSeed ?? null,
  maxTextLength: config.maxTextLength,
});
