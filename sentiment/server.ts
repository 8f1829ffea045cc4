/**
 * The gRPC transport: the sentiment service, the standard health service and server reflection
 * on one @grpc/grpc-js server, with a graceful stop.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import {
  type AnalyzeSentimentBatchRequest,
  type AnalyzeSentimentBatchResponse,
  type AnalyzeSentimentRequest,
  type AnalyzeSentimentResponse,
  loadSentimentPackageDefinition,
  SENTIMENT_SERVICE_NAME,
  sentimentServiceDefinition,
} from "@sentiment/contracts/grpc";
import type { Logger } from "@sentiment/kit/log";
import { type Analyzer, CallError } from "./analyzer.ts";
import { createHealthService } from "./health.ts";
import { addReflection } from "./reflection.ts";
import { encodeBatchResponse } from "./wire.ts";

/** Largest message either way; a full batch of long texts exceeds gRPC's 4 MiB default. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Options of {@link createSentimentServer}. */
export interface SentimentServerOptions {
  host: string;
  port: number;
  analyzer: Analyzer;
  logger: Logger;
  shutdownGraceMs: number;
  /** Called after each call with its duration, item count and whether it was answered OK. */
  onCall?: (method: SentimentMethod, seconds: number, items: number, ok: boolean) => void;
}

/** The service's two RPCs, as named in the metrics. */
export type SentimentMethod = "AnalyzeSentiment" | "AnalyzeSentimentBatch";

/** A started or startable server. */
export interface SentimentServer {
  /** Binds and serves; resolves with the bound port (useful when asked for port 0). */
  start(): Promise<number>;
  /**
   * Reports NOT_SERVING and lets answers already written drain; the process must exit after it
   * (see the Deno workaround inside).
   */
  stop(): Promise<void>;
}

/** Creates the server; nothing listens until {@link SentimentServer.start}. */
export function createSentimentServer(options: SentimentServerOptions): SentimentServer {
  const { analyzer, logger } = options;
  const onCall = options.onCall ?? (() => {});
  const packageDefinition = loadSentimentPackageDefinition();
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });

  const definition = sentimentServiceDefinition(packageDefinition);
  server.addService({
    ...definition,
    // A thousand answers through protobufjs cost a third of a batch's time (see wire.ts).
    AnalyzeSentimentBatch: {
      ...definition.AnalyzeSentimentBatch,
      responseSerialize: encodeBatchResponse,
    },
  }, {
    AnalyzeSentiment(
      call: grpc.ServerUnaryCall<AnalyzeSentimentRequest, AnalyzeSentimentResponse>,
      callback: grpc.sendUnaryData<AnalyzeSentimentResponse>,
    ) {
      const started = performance.now();
      const outcome = analyzer.analyze(call.request);
      onCall("AnalyzeSentiment", (performance.now() - started) / 1_000, 1, outcome.ok);
      if (outcome.ok) {
        if (logger.debugEnabled) {
          logger.debug("Analyzed comment", {
            commentId: outcome.response.commentId,
            tag: outcome.response.tag,
            consumerId: call.request.consumerId,
          });
        }
        callback(null, outcome.response);
      } else {
        if (logger.debugEnabled) {
          logger.debug("Refused comment", {
            commentId: call.request.commentId,
            code: outcome.error.code,
            reason: outcome.error.message,
          });
        }
        callback({ code: outcome.error.code, details: outcome.error.message });
      }
    },
    AnalyzeSentimentBatch(
      call: grpc.ServerUnaryCall<AnalyzeSentimentBatchRequest, AnalyzeSentimentBatchResponse>,
      callback: grpc.sendUnaryData<AnalyzeSentimentBatchResponse>,
    ) {
      const started = performance.now();
      try {
        const results = analyzer.analyzeBatch(call.request);
        onCall(
          "AnalyzeSentimentBatch",
          (performance.now() - started) / 1_000,
          results.length,
          true,
        );
        if (logger.debugEnabled) {
          logger.debug("Analyzed batch", {
            items: results.length,
            failed: results.filter((result) => result.outcome === "error").length,
            consumerId: call.request.consumerId,
          });
        }
        callback(null, { results });
      } catch (error) {
        if (!(error instanceof CallError)) throw error;
        onCall(
          "AnalyzeSentimentBatch",
          (performance.now() - started) / 1_000,
          call.request.items?.length ?? 0,
          false,
        );
        logger.warn("Refused batch", { code: error.code, reason: error.message });
        callback({ code: error.code, details: error.message });
      }
    },
  });

  const health = createHealthService({
    "": "SERVING",
    [SENTIMENT_SERVICE_NAME]: "SERVING",
  });
  health.addToServer(server);
  // Reflection describes the sentiment service: health clients know their protocol.
  addReflection(server, packageDefinition);

  return {
    start() {
      return new Promise((resolve, reject) => {
        server.bindAsync(
          `${options.host}:${options.port}`,
          grpc.ServerCredentials.createInsecure(),
          (error, port) => (error ? reject(error) : resolve(port)),
        );
      });
    },
    async stop() {
      health.setStatus("", "NOT_SERVING");
      health.setStatus(SENTIMENT_SERVICE_NAME, "NOT_SERVING");
      // Deno 2.9.6 workaround (denoland/deno#36788): a peer whose HTTP/2 session has carried
      // about 100 streams aborts inside nghttp2 when it receives a GOAWAY, which is what
      // grpc-js's tryShutdown and forceShutdown send. So the server never sends one: it lets
      // answers already written reach the socket, and the caller then exits, which closes the
      // connections; clients see a dropped connection (UNAVAILABLE) and reconnect. Handlers
      // answer synchronously, so no call is half-done when this runs.
      await new Promise((resolve) => setTimeout(resolve, options.shutdownGraceMs));
    },
  };
}
