/**
 * Batch RPC throughput over real gRPC on loopback, server and client in this one process (so
 * the client's protobufjs work counts too): `deno bench -P sentiment/batch_rpc_bench.ts`. The
 * "wire" group shows what encoding one answer of 1 000 items costs with protobufjs and with
 * `wire.ts`.
 */
import {
  type AnalyzeSentimentBatchResponse,
  type AnalyzeSentimentRequest,
  type AnalyzeSentimentResponse,
  createSentimentClient,
  sentimentServiceDefinition,
} from "@sentiment/contracts/grpc";
import { createLogger } from "@sentiment/kit/log";
import { createAnalyzer } from "./analyzer.ts";
import { createFailureInjector } from "./failure_injector.ts";
import { createSentimentServer } from "./server.ts";
import { encodeBatchResponse } from "./wire.ts";

const server = createSentimentServer({
  host: "127.0.0.1",
  port: 0,
  analyzer: createAnalyzer({
    maxTextLength: 5_000,
    maxBatchItems: 10_000,
    injector: createFailureInjector({ ratio: 1 / 32, seed: 1 }),
  }),
  logger: createLogger("sentiment-bench", "warn"),
  shutdownGraceMs: 0,
});
const port = await server.start();
// Never closed: closing a channel that carried many calls crashes Deno 2.9.6 (see server.ts);
// the process ends when the bench does.
const client = createSentimentClient(`127.0.0.1:${port}`);

const TEXTS = [
  "I love this phone, the camera is amazing 😍",
  "Terrible product, broke after two days. Never buying again!!",
  "Does this come in blue?",
  "What are your opening hours on Sunday?",
  "The design is nice but the battery is awful.",
];
const items = (n: number): AnalyzeSentimentRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    commentId: crypto.randomUUID(),
    text: TEXTS[i % TEXTS.length],
    textHash: "",
    consumerId: "bench",
  }));
const batch100 = items(100);
const batch1000 = items(1_000);

const batch = (request: AnalyzeSentimentRequest[]) =>
  new Promise<AnalyzeSentimentBatchResponse>((resolve, reject) =>
    client.AnalyzeSentimentBatch(
      { items: request, consumerId: "bench" },
      {},
      (error, response) => error ? reject(error) : resolve(response!),
    )
  );
const unary = (request: AnalyzeSentimentRequest) =>
  new Promise<AnalyzeSentimentResponse | null>((resolve) =>
    client.AnalyzeSentiment(request, {}, (error, response) => resolve(error ? null : response!))
  );

await batch(batch100); // connect and warm up outside the measurements

Deno.bench(
  "unary AnalyzeSentiment (1 text per call)",
  { group: "rpc", baseline: true },
  async () => {
    await unary(batch100[0]);
  },
);

Deno.bench("AnalyzeSentimentBatch, 100 texts per call", { group: "rpc" }, async () => {
  await batch(batch100);
});

Deno.bench("AnalyzeSentimentBatch, 1 000 texts per call", { group: "rpc" }, async () => {
  await batch(batch1000);
});

Deno.bench("50 unary calls in flight at once", async () => {
  await Promise.all(batch100.slice(0, 50).map(unary));
});

const batchMethod = sentimentServiceDefinition().AnalyzeSentimentBatch;
const answer = { results: (await batch(batch1000)).results };
const encodedRequest = batchMethod.requestSerialize({ items: batch1000, consumerId: "bench" });

Deno.bench("encode a 1 000-item answer with protobufjs", { group: "wire", baseline: true }, () => {
  batchMethod.responseSerialize(answer);
});

Deno.bench("encode a 1 000-item answer with wire.ts", { group: "wire" }, () => {
  encodeBatchResponse(answer);
});

Deno.bench("decode a 1 000-item request with protobufjs", { group: "wire" }, () => {
  batchMethod.requestDeserialize(encodedRequest);
});
