import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  type AnalyzeSentimentBatchResponse,
  type BatchItemResult,
  loadSentimentPackageDefinition,
  sentimentServiceDefinition,
} from "@sentiment/contracts/grpc";
import { encodeBatchResponse, WRITTEN_FIELDS } from "./wire.ts";

const batchMethod = sentimentServiceDefinition().AnalyzeSentimentBatch;

interface FieldDescriptor {
  name: string;
  number: number;
}

Deno.test("the writer writes every field of the contract's batch answer, by its number", () => {
  const definition = loadSentimentPackageDefinition();
  for (const [message, fields] of Object.entries(WRITTEN_FIELDS)) {
    const type = definition[`sentiment.v1.${message}`] as { type: { field: FieldDescriptor[] } };
    const declared = Object.fromEntries(type.type.field.map((field) => [field.name, field.number]));
    assertEquals(declared, fields, `${message} in proto/sentiment.proto`);
  }
});

const result = (
  commentId: string,
  overrides: Partial<Extract<BatchItemResult, { outcome: "result" }>["result"]> = {},
): BatchItemResult => ({
  commentId,
  outcome: "result",
  result: {
    commentId,
    tag: "POSITIVE",
    processingTime: 0.0123,
    cached: false,
    score: 0.6369,
    language: "en",
    reasons: ["love"],
    ...overrides,
  },
});

const error = (commentId: string, code: number, message: string): BatchItemResult => ({
  commentId,
  outcome: "error",
  error: { code, message },
});

Deno.test("a batch answer decodes to exactly what protobufjs's own encoding decodes to", () => {
  const cases: BatchItemResult[][] = [
    [],
    [result("a")],
    [
      result("ascii-id", { tag: "NEGATIVE", score: -0.9, reasons: ["not good", "awful", "😡"] }),
      result("ünïcødé-😀-id", { language: "und", reasons: [] }),
      result("", { tag: "NEUTRAL", score: 0, processingTime: 0, reasons: [] }),
      result("minus-zero", { score: -0, cached: true }),
      result("unrelated", { tag: "UNRELATED", reasons: ["promotion"], language: "es" }),
      error("bad", 3, "text is empty"),
      error("later", 14, "injected failure, retry later"),
      error("odd", -1, "négatif"),
      error("", 0, ""),
      result("long", { reasons: ["x".repeat(300), "é".repeat(200)] }),
    ],
    Array.from(
      { length: 1_000 },
      (_, index) =>
        index % 32 === 0
          ? error(crypto.randomUUID(), 14, "injected failure, retry later")
          : result(crypto.randomUUID(), { score: Math.sin(index), processingTime: index / 7 }),
    ),
  ];
  for (const results of cases) {
    const message: AnalyzeSentimentBatchResponse = { results };
    const ours = batchMethod.responseDeserialize(encodeBatchResponse(message));
    const theirs = batchMethod.responseDeserialize(batchMethod.responseSerialize(message));
    assertEquals(ours, theirs);
  }
});
