/**
 * Loads `sentiment.proto` for @grpc/grpc-js and gives the messages TypeScript types, so the
 * consumer's client and the sentiment server agree on one definition.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { Tag } from "./messages.ts";

/** Path of the .proto file; `deno compile` must `--include` it. */
export const SENTIMENT_PROTO_PATH = new URL("../proto/sentiment.proto", import.meta.url).pathname;
export const SENTIMENT_SERVICE_NAME = "sentiment.v1.SentimentService";

/** Options shared by client and server: enum names as strings, camelCase fields. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export interface AnalyzeSentimentRequest {
  commentId: string;
  text: string;
  textHash: string;
  consumerId: string;
}

export interface AnalyzeSentimentResponse {
  commentId: string;
  tag: Tag;
  processingTime: number;
  cached: boolean;
  /** Opinion strength in [-1, 1]; 0 when unscored (UNRELATED, unknown language). */
  score: number;
  /** ISO 639-1 code of the detected language, or "und". */
  language: string;
  /** The terms or rules that decided the tag, most important first. */
  reasons: string[];
}

export interface ItemError {
  code: number;
  message: string;
}

export type BatchItemResult =
  | { commentId: string; outcome: "result"; result: AnalyzeSentimentResponse }
  | { commentId: string; outcome: "error"; error: ItemError };

export interface AnalyzeSentimentBatchRequest {
  items: AnalyzeSentimentRequest[];
  consumerId: string;
}

export interface AnalyzeSentimentBatchResponse {
  results: BatchItemResult[];
}

export function loadSentimentPackageDefinition(): protoLoader.PackageDefinition {
  return protoLoader.loadSync(SENTIMENT_PROTO_PATH, PROTO_LOADER_OPTIONS);
}

/** The service definition, for `server.addService`. */
export function sentimentServiceDefinition(
  packageDefinition = loadSentimentPackageDefinition(),
): grpc.ServiceDefinition {
  return packageDefinition[SENTIMENT_SERVICE_NAME] as grpc.ServiceDefinition;
}

/** A typed client of the sentiment service. */
export interface SentimentClient extends grpc.Client {
  AnalyzeSentiment(
    request: AnalyzeSentimentRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<AnalyzeSentimentResponse>,
  ): grpc.ClientUnaryCall;
  AnalyzeSentimentBatch(
    request: AnalyzeSentimentBatchRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<AnalyzeSentimentBatchResponse>,
  ): grpc.ClientUnaryCall;
}

export function createSentimentClient(
  address: string,
  options: grpc.ClientOptions = {},
): SentimentClient {
  const loaded = grpc.loadPackageDefinition(loadSentimentPackageDefinition());
  // The loaded package is an untyped namespace tree; the cast names the one constructor we use.
  const sentimentV1 = (loaded.sentiment as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const Client = sentimentV1.SentimentService as grpc.ServiceClientConstructor;
  return new Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    "grpc.max_send_message_length": 64 * 1024 * 1024,
    // grpc-js backs off reconnects up to 120 s: after an outage of a minute the consumer would
    // wait half a minute more to notice the service is back. A local service is cheap to ask.
    "grpc.initial_reconnect_backoff_ms": 500,
    "grpc.max_reconnect_backoff_ms": 4_000,
    ...options,
  }) as unknown as SentimentClient;
}
